"""The model's MTP semantics, caches and schedules."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from trainer.model import KVCache, ModelConfig, Transformer  # noqa: E402
from trainer.step import lr_at, mtp_weight_at  # noqa: E402

SMALL = dict(vocab_size=40, hidden_size=64, num_layers=2, num_heads=2, num_kv_heads=1, intermediate_size=96)


def model(num_mtp=1, seed=0):
    torch.manual_seed(seed)
    m = Transformer(ModelConfig(num_mtp=num_mtp, **SMALL))
    with torch.no_grad():  # break the symmetry of the initial norms so every path matters
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return m.eval()


def mtp_logits_full(m, x):
    """Depth-1 MTP logits for every position of x (B, T): position i sees x[:i+1] and x[i+1]."""
    h = m.trunk(x[:, :-1])
    return m.mtp_logits(0, m.mtp_step(0, h, x[:, 1:]))


def test_mtp_depth1_at_position_i_sees_tokens_up_to_i_plus_1_only():
    m = model()
    x = torch.randint(0, 40, (1, 12))
    with torch.no_grad():
        base = mtp_logits_full(m, x)
        for p in (4, 8):
            y = x.clone()
            y[0, p] = (y[0, p] + 1) % 40
            changed = (mtp_logits_full(m, y) - base).abs().amax(-1)[0]
            assert torch.all(changed[: p - 1] == 0), "a position saw a token more than one ahead"
            assert changed[p - 1] > 0, "position p-1 must see token p (the next token's embedding)"


def test_loss_is_main_plus_weight_times_mean_of_depths():
    m = model(num_mtp=2)
    x = torch.randint(0, 40, (2, 17))
    out = m(x[:, :-1], x[:, 1:], mtp_weight=0.3)
    assert len(out["mtp_losses"]) == 2
    expected = out["main_loss"] + 0.3 * (out["mtp_losses"][0] + out["mtp_losses"][1]) / 2
    assert torch.allclose(out["loss"].detach(), expected)
    # depth 2's targets are two tokens further: the last two positions carry none
    h = m.trunk(x[:, :-1])
    h1 = m.mtp_step(0, h, x[:, 1:])
    y = x[:, 1:]
    next2 = torch.cat([y[:, 1:], torch.zeros_like(y[:, :1])], 1)
    h2 = m.mtp_step(1, h1, next2)
    target = torch.cat([y[:, 2:], torch.full_like(y[:, :2], -100)], 1)
    manual = torch.nn.functional.cross_entropy(m.mtp_logits(1, h2).flatten(0, 1), target.flatten(), ignore_index=-100)
    assert torch.allclose(manual, out["mtp_losses"][1], atol=1e-6)


@pytest.mark.parametrize("num_mtp", [2, 0])
@pytest.mark.parametrize("documents", [False, True])
def test_scored_only_gives_the_same_losses_and_gradients(documents, num_mtp):
    """`scored_only` skips unscored rows (output heads; the queries, o_proj and MLP of the last
    MTP depth, or of the trunk's last layer without MTP): same numbers, with causal attention and
    with packed documents."""
    x = torch.randint(4, 40, (3, 21))
    x[0, 9] = x[2, 4] = x[2, 15] = 3  # document ends
    y = x[:, 1:].clone()
    y[:, :7] = -100  # a prompt
    y[1, 12:15] = -100  # and a gap
    y[2, 10:] = -100  # fewer scored positions in one sample (padding in the query block)
    grads, outs = [], []
    for scored_only in (False, True):
        m = model(num_mtp=num_mtp)
        m.scored_only = scored_only
        m.document_eod = 3 if documents else None
        out = m(x[:, :-1], y, mtp_weight=0.3)
        out["loss"].backward()
        outs.append([out["main_loss"], *out["mtp_losses"]])
        grads.append({n: p.grad for n, p in m.named_parameters()})
    assert torch.allclose(torch.stack(outs[0]), torch.stack(outs[1]), atol=1e-6)
    for name, g in grads[0].items():
        assert torch.allclose(g, grads[1][name], atol=1e-6), name


def test_packed_documents_train_like_documents_alone():
    """With `document_eod`, a packed sample's documents see neither each other nor their offset:
    main and MTP logits inside a document equal those of the document run alone at position 0."""
    m = model()
    eod = 3
    docs = [torch.tensor([5, 9, 12, 7, eod]), torch.tensor([8, 30, 11, 6, 21, eod]), torch.tensor([14, 2, 17])]
    packed = torch.cat(docs)[None]
    m.document_eod = eod
    layout = m.layout(packed, documents=True)
    h = m.trunk(packed, layout=layout)
    main = m.logits(h)
    mtp = m.mtp_logits(0, m.mtp_step(0, h, torch.cat([packed[:, 1:], packed[:, :1]], 1), layout=layout))
    at = 0
    for d in docs:
        n = len(d)
        assert torch.allclose(main[0, at: at + n], m(d[None])[0], atol=1e-5)
        # MTP inside the document (its last position would see the next document's first token)
        assert torch.allclose(mtp[0, at: at + n - 1], mtp_logits_full(m, d[None])[0], atol=1e-5)
        at += n
    m.document_eod = None
    assert not torch.allclose(m.logits(m.trunk(packed))[0, 5:11], main[0, 5:11], atol=1e-3)


def test_frozen_mtp_gets_no_gradient_and_leaves_the_trunk_gradient_alone():
    x = torch.randint(0, 40, (2, 17))
    plain = model()
    plain(x[:, :-1], x[:, 1:], mtp_weight=0.0)["loss"].backward()
    frozen = model()
    frozen.freeze_mtp()
    out = frozen(x[:, :-1], x[:, 1:], mtp_weight=0.3)
    out["loss"].backward()
    assert out["mtp_losses"] and all(p.grad is None for p in frozen.mtp_layers.parameters())
    for (name, a), (_, b) in zip(plain.named_parameters(), frozen.named_parameters()):
        if not name.startswith("mtp_layers"):
            assert torch.equal(a.grad, b.grad), name


def test_kv_cache_decoding_equals_the_full_forward():
    m = model()
    x = torch.randint(0, 40, (1, 15))
    with torch.no_grad():
        full = m.trunk(x)
        caches = [KVCache(1, 1, 32, 32, "cpu", torch.float32) for _ in range(2)]
        parts = [m.trunk(x[:, :6], 0, caches), m.trunk(x[:, 6:7], 6, caches), m.trunk(x[:, 7:], 7, caches)]
        assert torch.allclose(torch.cat(parts, 1), full, atol=1e-5)
        mtp_full = m.mtp_step(0, full[:, :-1], x[:, 1:])
        cache = KVCache(1, 1, 32, 32, "cpu", torch.float32)
        a = m.mtp_step(0, full[:, :9], x[:, 1:10], 0, cache)
        b = m.mtp_step(0, full[:, 9:14], x[:, 10:15], 9, cache)
        assert torch.allclose(torch.cat([a, b], 1), mtp_full, atol=1e-5)


def test_rope_base_changes_the_function():
    m = model()
    x = torch.randint(0, 40, (1, 10))
    with torch.no_grad():
        a = m(x)
        m.set_rope_base(640000)
        b = m(x)
    assert not torch.allclose(a, b)


def test_schedules():
    assert lr_at(0, 100, 1.0, 0.1, 10) == pytest.approx(0.1)
    assert lr_at(9, 100, 1.0, 0.1, 10) == pytest.approx(1.0)
    assert lr_at(99, 100, 1.0, 0.1, 10, "cosine") == pytest.approx(0.1)
    mid = lr_at(54, 100, 1.0, 0.1, 10, "cosine")
    assert mid == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 44 / 89)))
    wsd = [lr_at(s, 100, 1.0, 0.1, 10, "wsd", 0.2) for s in range(100)]
    assert wsd[10:80] == [1.0] * 70 and wsd[80] == 1.0 and wsd[99] == pytest.approx(0.1)
    assert all(a > b for a, b in zip(wsd[80:], wsd[81:]))
    assert [mtp_weight_at(s, 10) for s in (0, 6, 7, 9)] == [0.3, 0.3, 0.1, 0.1]


def test_config_rejects_bad_shapes():
    with pytest.raises(ValueError, match="num_kv_heads"):
        ModelConfig(num_heads=12, num_kv_heads=5)


@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
def test_cpu_rmsnorm_backward_equals_the_formula_differentiated_by_autograd(needs):
    """The hand-written CPU backward (trainer.model._CPURMSNorm) against autograd through the
    textbook formula in float64, for 3-D rows; each input's gradient only when it is wanted."""
    from trainer.model import RMSNorm

    torch.manual_seed(0)
    norm = RMSNorm(48, 1e-6)
    with torch.no_grad():
        norm.weight.copy_(torch.rand(48) + 0.5)
    x = (3 * torch.randn(3, 7, 48)).requires_grad_(needs[0])
    norm.weight.requires_grad_(needs[1])
    grad = torch.randn(3, 7, 48)
    norm(x).backward(grad)

    x64, w64 = x.detach().double().requires_grad_(), norm.weight.detach().double().requires_grad_()
    ref = x64 * torch.rsqrt(x64.pow(2).mean(-1, keepdim=True) + 1e-6) * w64
    ref.backward(grad.double())
    assert torch.allclose(norm(x).double(), ref, atol=1e-5)
    if needs[0]:
        assert torch.allclose(x.grad.double(), x64.grad, atol=1e-5, rtol=1e-4)
    else:
        assert x.grad is None
    if needs[1]:
        assert torch.allclose(norm.weight.grad.double(), w64.grad, atol=1e-4, rtol=1e-4)
    else:
        assert norm.weight.grad is None


def test_mtp_projected_table_path_equals_the_concatenation():
    """More positions than vocabulary rows → MTPModule projects the embedding table once and looks
    rows up (a zero row at each sequence's first position); fewer → it concatenates. Same states
    and the same gradients either way."""
    m = model()
    torch.manual_seed(1)
    x = torch.randint(0, SMALL["vocab_size"], (3, 21))
    h = m.trunk(x[:, :-1]).detach()
    assert x[:, 1:].numel() > SMALL["vocab_size"] >= x.shape[1] - 1

    def run(rows):
        m.zero_grad()
        out = torch.cat([m.mtp_step(0, h[r], x[r, 1:]) for r in rows])
        out.square().sum().backward()
        return out.detach(), m.mtp_layers[0].input_proj.weight.grad.clone(), m.embed_tokens.weight.grad.clone()

    together = run([slice(0, 3)])            # 60 positions: the table path
    apart = run([slice(i, i + 1) for i in range(3)])  # 20 each: the concatenation
    for a, b in zip(together, apart):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4)
