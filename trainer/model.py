"""The model: a decoder-only transformer shaped like Qwen2 / MiMo, with Multi-Token Prediction.

Read top to bottom:
  RMSNorm · rotary embedding (configurable base) · attention (grouped-query, bias on q/k/v, SDPA)
  · SwiGLU MLP · Block (pre-norm) · MTPModule · Transformer (trunk + K MTP modules + shared head).

Multi-Token Prediction (DeepSeek-V3 §2.2, in MiMo's layout — the one vLLM loads as `MiMoForCausalLM`):
depth k at position i combines the previous depth's hidden state h^{k-1}_i (h^0 = the trunk's last
hidden state *before* its final norm, as vLLM's MiMo passes it) with the embedding of token t_{i+k}:

    h'_i = input_proj( cat[ hidden_layernorm(h^{k-1}_i), token_layernorm(Emb(t_{i+k})) ] )
    h^k_i = Block_k(h'_i)             logits = lm_head(final_layernorm(h^k_i))  → predicts t_{i+k+1}

The embedding and the output head are shared with the trunk. As in vLLM's MiMo MTP layer, the
token embedding at position 0 is zeroed. Loss = main + λ · mean over depths (λ set per step by the
caller, so it can be scheduled 0.3 → 0.1); `freeze_mtp()` stops the MTP modules from training.

Parameter names follow the Hugging Face Qwen2 checkpoint except for two fusions that make the GPU
faster (q/k/v in one `qkv_proj`, gate/up in one `gate_up_proj`); `trainer.export` splits them.

Hand-written rather than built on transformers' Qwen2: the trainer needs MTP modules, fused
projections and a KV cache it controls for speculative decoding, and it must stay readable in one
sitting. The export test checks that transformers' Qwen2 computes the same logits from our weights.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class ModelConfig:
    vocab_size: int = 50304
    hidden_size: int = 768
    num_layers: int = 12
    num_heads: int = 12
    num_kv_heads: int = 4          # grouped-query attention: num_heads % num_kv_heads == 0
    intermediate_size: int = 2048  # SwiGLU width
    rope_base: float = 10000.0     # changed per stage by the trainer (set_rope_base)
    rms_norm_eps: float = 1e-6
    qkv_bias: bool = True          # Qwen2 has biases on q, k, v (and only there)
    tie_embeddings: bool = True
    num_mtp: int = 1               # K MTP modules (0 = none)
    max_position_embeddings: int = 32768  # only recorded in the export
    init_std: float = 0.02

    def __post_init__(self):
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}")
        if self.num_heads % self.num_kv_heads:
            raise ValueError(f"num_heads {self.num_heads} is not a multiple of num_kv_heads {self.num_kv_heads}")
        if self.num_mtp < 0:
            raise ValueError("num_mtp must be >= 0")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    def to_dict(self) -> dict:
        return asdict(self)


class _CPURMSNorm(torch.autograd.Function):
    """RMSNorm with a hand-written backward, for float32 training on the CPU. Written by hand because
    torch 2.13 has no CPU kernel for `_fused_rms_norm_backward`: autograd differentiates F.rms_norm
    there as a chain of a dozen elementwise ops. This backward reuses the forward's 1/rms and takes
    five passes over the rows: 1.2–1.4 ms instead of 2.1–2.6 ms forward + backward for the tiny
    model's 2,176 × 128 rows on one thread (the trunk has 9 norms, the MTP module 4). Same values to
    float rounding (tests/trainer/test_model.py checks both gradients against autograd's)."""

    @staticmethod
    def forward(ctx, x, weight, eps):
        y, rstd = torch.ops.aten._fused_rms_norm(x, [x.shape[-1]], weight, eps)
        ctx.save_for_backward(x, weight, rstd)
        return y

    @staticmethod
    def backward(ctx, grad):
        # y = w·x̂ with x̂ = x·r, r = 1/rms(x):  dx = r·(g·w − x̂·mean(g·w·x̂)),  dw = Σ_rows g·x̂
        x, weight, rstd = ctx.saved_tensors
        xhat = x * rstd
        gxhat = grad * xhat
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            mean = (gxhat @ weight).unsqueeze_(-1).div_(x.shape[-1])
            grad_x = torch.mul(grad, weight).addcmul_(xhat, mean, value=-1).mul_(rstd)
        if ctx.needs_input_grad[1]:
            grad_w = gxhat.reshape(-1, x.shape[-1]).sum(0)
        return grad_x, grad_w, None


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.float32 and self.weight.dtype == torch.float32:  # one fused op, same numbers
            if (x.device.type == "cpu" and torch.is_grad_enabled() and (x.requires_grad or self.weight.requires_grad)
                    and not torch.compiler.is_compiling()):
                return _CPURMSNorm.apply(x, self.weight, self.eps)
            return F.rms_norm(x, (x.shape[-1],), self.weight, self.eps)
        # Normalise in float32 and scale in the input dtype, as Qwen2RMSNorm does.
        return self.weight * F.rms_norm(x.float(), (x.shape[-1],), eps=self.eps).to(x.dtype)


def rotary(positions: torch.Tensor, head_dim: int, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and signed sin of shape (T, head_dim) for the given positions (Qwen2's half-split layout):
    sin's first half is negated, so that apply_rotary rotates with one roll (see there)."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, device=positions.device, dtype=torch.float32) / head_dim))
    freqs = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), torch.cat((-freqs.sin(), freqs.sin()), dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, signed_sin: torch.Tensor) -> torch.Tensor:
    """Qwen2's x·cos + rotate_half(x)·sin, where rotate_half(x) = cat(-x2, x1): the same values as
    roll(x, half)·signed_sin (a sign flip is exact), in one op instead of chunk, neg and cat, forward
    and backward (a quarter less time for the rotary on the CPU)."""
    return (x * cos + torch.roll(x, x.shape[-1] // 2, -1) * signed_sin).to(x.dtype)


def decode_mask(start: int, length: int, device, dtype) -> torch.Tensor:
    """Additive attention mask (length, start+length) of `length` new positions after `start` cached
    ones: each sees the cache and the new positions up to itself. Additive (in the queries' dtype, as
    SDPA requires) rather than bool, and built once per forward rather than per layer: SDPA turns a
    bool mask into this on every call."""
    seen = torch.arange(start + length, device=device)[None, :] <= torch.arange(start, start + length, device=device)[:, None]
    return torch.zeros(seen.shape, device=device, dtype=dtype).masked_fill_(~seen, float("-inf"))


class KVCache:
    """Keys and values of one attention layer for decoding (batch 1..B), preallocated to max_len.
    `length` is how many positions are valid; lowering it rolls the cache back (rejected drafts)."""

    def __init__(self, batch: int, num_kv_heads: int, max_len: int, head_dim: int, device, dtype):
        self.k = torch.zeros(batch, num_kv_heads, max_len, head_dim, device=device, dtype=dtype)
        self.v = torch.zeros_like(self.k)
        self.length = 0

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        end = self.length + k.shape[2]
        if end > self.k.shape[2]:
            raise ValueError(f"KV cache full ({self.k.shape[2]} positions)")
        self.k[:, :, self.length:end] = k
        self.v[:, :, self.length:end] = v
        self.length = end
        return self.k[:, :, :end], self.v[:, :, :end]


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.num_heads, self.num_kv_heads, self.head_dim = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        kv_dim = cfg.num_kv_heads * cfg.head_dim
        self.qkv_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size + 2 * kv_dim, bias=cfg.qkv_bias)
        self.o_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size, bias=False)

    def forward(self, x, cos, sin, cache: KVCache | None = None, select=None, mask=None):
        """`select` (B, T) bool: return o_proj only at those positions, as (N, d); queries are then
        computed only there, while every position still serves as a key/value. `mask` (B, 1, T, T)
        bool: who attends to whom in a full forward (documents packed into one sample); default causal."""
        if select is not None and cache is None:
            return self._selected(x, cos, sin, select, mask)
        B, T, _ = x.shape
        q_dim, kv_dim = self.num_heads * self.head_dim, self.num_kv_heads * self.head_dim
        q, k, v = self.qkv_proj(x).split([q_dim, kv_dim, kv_dim], dim=-1)
        q = q.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)
        k = k.view(B, T, self.num_kv_heads, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.num_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        gqa = self.num_kv_heads != self.num_heads
        if cache is None:  # training / full forward: causal attention (within each document, given a mask)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None, enable_gqa=gqa)
        else:  # decoding: the new T positions attend to everything cached before them and causally among themselves
            if mask is None and T > 1:
                mask = decode_mask(cache.length, T, x.device, q.dtype)
            k, v = cache.append(k, v)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)
        y = y.transpose(1, 2).reshape(B, T, -1)
        return self.o_proj(y if select is None else y[select])

    def _selected(self, x, cos, sin, select, mask):
        """The full forward's output at the `select`ed positions only, as (N, d), in x[select]'s
        order: keys and values at every position, queries only at the selected ones. Each sample's
        selected positions are gathered into a (B, Tq) block, Tq = the most any sample has; a sample
        with fewer pads with unselected positions (each attends at least to itself, so no row is
        empty) whose outputs are dropped."""
        B, T, _ = x.shape
        q_dim, kv_dim = self.num_heads * self.head_dim, self.num_kv_heads * self.head_dim
        w, b = self.qkv_proj.weight, self.qkv_proj.bias
        kv = F.linear(x, w[q_dim:], None if b is None else b[q_dim:])
        counts = select.sum(1)
        width = int(counts.max())
        if width == 0:  # nothing selected: an empty output, still from o_proj
            return self.o_proj(x.new_zeros(0, q_dim))
        order = torch.argsort((~select).to(torch.uint8), dim=1, stable=True)[:, :width]  # selected first, in order
        valid = torch.arange(width, device=x.device)[None, :] < counts[:, None]
        rows = (order + T * torch.arange(B, device=x.device)[:, None]).flatten()  # into (B*T) rows

        def take(t):  # (B, [1,] T, X) → the selected rows, (B, [1,] width, X)
            return t.reshape(B * T, -1).index_select(0, rows).view(*t.shape[:-2], width, t.shape[-1])

        q = F.linear(take(x), w[:q_dim], None if b is None else b[:q_dim]).view(B, width, self.num_heads, self.head_dim)
        k, v = kv.view(B, T, 2 * self.num_kv_heads, self.head_dim).transpose(1, 2).chunk(2, dim=1)
        if cos.dim() == 2:  # plain layout: (T, hd) tables, causal attention
            cos_q, sin_q = cos[order][:, None], sin[order][:, None]
            mask_q = torch.arange(T, device=x.device)[None, None, None, :] <= order[:, None, :, None]
        else:  # documents: (B, 1, T, hd) tables and a (B, 1, T, T) mask; take the selected rows
            cos_q, sin_q, mask_q = take(cos), take(sin), take(mask)
        q, k = apply_rotary(q.transpose(1, 2), cos_q, sin_q), apply_rotary(k, cos, sin)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask_q, enable_gqa=self.num_kv_heads != self.num_heads)
        return self.o_proj(y.transpose(1, 2)[valid].reshape(-1, q_dim))


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate_up_proj = nn.Linear(cfg.hidden_size, 2 * cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
        return self.down_proj(F.silu(gate) * up)


class Block(nn.Module):
    """Pre-norm transformer block (Qwen2DecoderLayer)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, cache=None, select=None, mask=None):
        """`select` (B, T) bool: the output only at those positions, as (N, d) — the MLP and the
        residual run on those rows only (attention still reads every position)."""
        a = self.self_attn(self.input_layernorm(x), cos, sin, cache, select, mask)
        x = (x if select is None else x[select]) + a
        return x + self.mlp(self.post_attention_layernorm(x))


class MTPModule(nn.Module):
    """One MTP depth (MiMo's MTP layer): norms, projection of [hidden; embedding], a block, a final norm."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.token_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.hidden_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.input_proj = nn.Linear(2 * cfg.hidden_size, cfg.hidden_size, bias=False)
        self.block = Block(cfg)
        self.final_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)

    def forward(self, hidden, token_ids, first, embedding: nn.Embedding, cos, sin, cache=None, select=None, mask=None):
        """hidden: previous depth's (pre-norm) state; token_ids: t_{i+k}, embedded with the shared
        `embedding`, zeroed where `first` (bool, each sequence's first position). Returns this depth's
        pre-norm state (the next depth's input; (N, d) at the `select`ed positions if given); apply
        final_layernorm before the head."""
        d = hidden.shape[-1]
        if token_ids.numel() > embedding.num_embeddings:
            # More positions than tokens in the vocabulary (small-vocabulary models, e.g. the tiny
            # arithmetic one: 112 tokens, 2,176 positions a step): the token half of input_proj
            # depends on the token alone, so project the normalised embedding table once and look
            # rows up. Same value: input_proj(cat[a, b]) = W[:, :d]·a + W[:, d:]·b, and a zeroed
            # embedding normalises to zero, so the first positions look up an appended zero row;
            # the lookup is the bias of the hidden half's product (one addmm, no separate add).
            w = self.input_proj.weight
            table = F.pad(F.linear(self.token_layernorm(embedding.weight), w[:, d:]), (0, 0, 0, 1))
            rows = F.embedding(token_ids.masked_fill(first, embedding.num_embeddings), table)
            x = torch.addmm(rows.reshape(-1, d), self.hidden_layernorm(hidden).reshape(-1, d), w[:, :d].t())
            x = x.view(hidden.shape)
        else:
            token_emb = embedding(token_ids) * (~first)[..., None].to(hidden.dtype)
            x = self.input_proj(torch.cat([self.hidden_layernorm(hidden), self.token_layernorm(token_emb)], dim=-1))
        return self.block(x, cos, sin, cache, select, mask)


class Transformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.num_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        self.mtp_layers = nn.ModuleList(MTPModule(cfg) for _ in range(cfg.num_mtp))
        self.mtp_frozen = False
        self.scored_only = False  # see forward(); the trainer turns it on for response-only losses
        self.document_eod: int | None = None  # see layout(); the trainer sets it for data.reset_at_eod
        # cos/sin tables of the rotary embedding, computed once per base and length (not per forward:
        # recomputing them inside the compiled step cost ~9 ms of a 42 ms step on an H200).
        self.register_buffer("rope_cos", torch.empty(0), persistent=False)
        self.register_buffer("rope_sin", torch.empty(0), persistent=False)
        self.set_rope_base(cfg.rope_base)
        self.apply(self._init)
        # GPT-2 style: scale the projections that write into the residual stream by depth.
        for name, p in self.named_parameters():
            if name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(p, std=cfg.init_std / math.sqrt(2 * cfg.num_layers))

    def _init(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=self.cfg.init_std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=self.cfg.init_std)

    # ---- knobs the trainer turns -------------------------------------------------------------
    def set_rope_base(self, base: float, length: int = 4096) -> None:
        self.rope_base = float(base)
        self.ensure_rope(length, rebuild=True)

    def ensure_rope(self, length: int, rebuild: bool = False) -> None:
        """Make the cos/sin tables cover `length` positions (call before compiling for a new length)."""
        if rebuild or self.rope_cos.shape[0] < length:
            n = max(length, self.rope_cos.shape[0])
            device = self.embed_tokens.weight.device
            self.rope_cos, self.rope_sin = rotary(torch.arange(n, device=device), self.cfg.head_dim, self.rope_base)

    def _rope(self, start: int, length: int):
        self.ensure_rope(start + length)
        return self.rope_cos[start: start + length], self.rope_sin[start: start + length]

    def freeze_mtp(self) -> None:
        """Stop training the MTP modules (MiMo freezes its MTP layer for RL): no gradients reach them
        and their loss no longer trains the trunk; it is still computed, for logging."""
        self.mtp_frozen = True
        for p in self.mtp_layers.parameters():
            p.requires_grad_(False)

    # ---- forward ----------------------------------------------------------------------------
    def layout(self, input_ids, start: int = 0, documents: bool = False):
        """Positions of a forward over `input_ids` (B, T): (cos, sin, mask, first) where `first` (B, T)
        marks each sequence's first position (MTP zeroes the token embedding there).

        Plain: positions start…start+T-1, causal attention (mask None). With `documents` and
        `document_eod` set (training on packed documents, Megatron's reset_position_ids + reset_attention_mask):
        positions restart after every EOD token and attention stays inside each document, so a
        packed sample trains what a prompt alone at position 0 sees at inference."""
        B, T = input_ids.shape
        pos = torch.arange(start, start + T, device=input_ids.device)
        if not documents or self.document_eod is None:
            cos, sin = self._rope(start, T)
            return cos, sin, None, (pos == 0)[None, :].expand(B, T)
        eod = input_ids == self.document_eod
        doc = eod.cumsum(1) - eod.long()  # the EOD token ends (belongs to) its document
        last_eod = torch.where(eod, pos, -1).cummax(1).values  # last EOD at or before i
        doc_start = torch.cat([last_eod.new_zeros(B, 1), last_eod[:, :-1] + 1], 1).clamp_min(0)
        doc_pos = pos - doc_start
        self.ensure_rope(T)
        mask = (doc[:, :, None] == doc[:, None, :]) & torch.ones(T, T, dtype=torch.bool, device=pos.device).tril()
        return self.rope_cos[doc_pos][:, None], self.rope_sin[doc_pos][:, None], mask[:, None], doc_pos == 0

    def trunk(self, input_ids, start: int = 0, caches=None, layout=None, select=None):
        """Token ids (B, T) → the last hidden state before the final norm (B, T, d); with `select`
        (B, T) bool, only at those positions, as (N, d) (the last layer's queries, o_proj and MLP
        run on those rows only)."""
        cos, sin, mask, _ = layout or self.layout(input_ids, start)
        if caches is not None and mask is None and input_ids.shape[1] > 1:
            mask = decode_mask(caches[0].length, input_ids.shape[1], input_ids.device, caches[0].k.dtype)  # once, not per layer
        x = self.embed_tokens(input_ids)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i], select=select if i == last else None, mask=mask)
        return x

    def logits(self, hidden):
        return self.lm_head(self.norm(hidden))

    def mtp_step(self, depth: int, hidden, next_ids, start: int = 0, cache=None, select=None, layout=None):
        """Run MTP module `depth` (0-based) on positions start…start+T-1: `hidden` is the previous
        depth's state there, `next_ids` the token depth+1 positions ahead. Returns this depth's state
        (only at the `select`ed positions, as (N, d), when given)."""
        cos, sin, mask, first = layout or self.layout(next_ids, start)  # the token embedding is zeroed at `first`
        return self.mtp_layers[depth](hidden, next_ids, first, self.embed_tokens, cos, sin, cache, select, mask)

    def mtp_logits(self, depth: int, state):
        return self.lm_head(self.mtp_layers[depth].final_layernorm(state))

    def forward(self, input_ids, labels=None, mtp_weight: float = 0.0):
        """input_ids, labels: (B, T); labels[i] = t_{i+1}, -100 where ignored.

        Without labels: the main logits (B, T, V). With labels: a dict with `loss` (main + λ·mean of
        the MTP losses, λ = mtp_weight), `main_loss` and `mtp_losses` (one per depth, detached).

        With `scored_only` set (the trainer sets it when the loss covers responses only), the output
        head and cross-entropy run only on positions that have a target, and so do the last layer's
        queries, attention output projection and MLP: the trunk's last layer without MTP modules
        (they read its state at every position), else the last MTP depth's (attention still reads
        every position). The same losses, less work where many positions are unscored."""
        layout = self.layout(input_ids, documents=True)
        if labels is not None and self.scored_only and not self.cfg.num_mtp:
            scored = labels != -100
            hidden = self.trunk(input_ids, layout=layout, select=scored)
            main_loss = F.cross_entropy(self.lm_head(self.norm(hidden)).float(), labels[scored])
            return {"loss": main_loss, "main_loss": main_loss.detach(), "mtp_losses": []}
        hidden = self.trunk(input_ids, layout=layout)
        if labels is None:
            return self.logits(hidden)
        main_loss = self._loss(self.norm, hidden, labels)
        mtp_losses = []
        h = hidden.detach() if self.mtp_frozen else hidden
        for k in range(1, self.cfg.num_mtp + 1):
            # depth k at position i: embedding of t_{i+k} = labels[i+k-1]; target t_{i+k+1} = labels[i+k]
            next_ids = _shift_left(labels, k - 1, 0).clamp_min(0)
            target = _shift_left(labels, k, -100)
            final_norm = self.mtp_layers[k - 1].final_layernorm
            if self.scored_only and k == self.cfg.num_mtp:  # nothing reads the last depth's unscored rows
                scored = target != -100
                h = self.mtp_step(k - 1, h, next_ids, select=scored, layout=layout)
                mtp_losses.append(F.cross_entropy(self.lm_head(final_norm(h)).float(), target[scored]))
            else:
                h = self.mtp_step(k - 1, h, next_ids, layout=layout)
                mtp_losses.append(self._loss(final_norm, h, target))
        loss = main_loss
        if mtp_losses and not self.mtp_frozen and mtp_weight:
            loss = loss + mtp_weight * torch.stack(mtp_losses).mean()
        return {"loss": loss, "main_loss": main_loss.detach(), "mtp_losses": [m.detach() for m in mtp_losses]}

    def _loss(self, norm, hidden, target):
        """Mean cross-entropy of lm_head(norm(hidden)) against `target` (-100 = ignored)."""
        if self.scored_only:
            scored = target != -100
            hidden, target = hidden[scored], target[scored]
        logits = self.lm_head(norm(hidden))
        return F.cross_entropy(logits.flatten(0, -2).float(), target.flatten(), ignore_index=-100)

    # ---- accounting -------------------------------------------------------------------------
    def num_params(self, mtp: bool = True) -> int:
        params = {id(p): p for name, p in self.named_parameters() if mtp or not name.startswith("mtp_layers")}
        return sum(p.numel() for p in params.values())

    def flops_per_token(self, seq_len: int, mtp: bool = True) -> float:
        """Training FLOPs per token (forward + backward), as nanoGPT's MFU counts them: 6 × the
        parameters used in matrix products + the attention score/value products, 12·L·d·T.
        The output head is counted once per head use (trunk + each MTP depth)."""
        cfg = self.cfg
        matmul = sum(p.numel() for name, p in self.named_parameters()
                     if p.dim() == 2 and not name.startswith(("embed_tokens", "lm_head", "mtp_layers")))
        head = cfg.vocab_size * cfg.hidden_size
        layers = cfg.num_layers
        flops = 6 * (matmul + head)
        if mtp and cfg.num_mtp:
            mtp_matmul = sum(p.numel() for p in self.mtp_layers.parameters() if p.dim() == 2)
            flops += 6 * (mtp_matmul + cfg.num_mtp * head)
            layers += cfg.num_mtp
        return flops + 12 * layers * cfg.hidden_size * seq_len


def _shift_left(x: torch.Tensor, n: int, fill: int) -> torch.Tensor:
    """x shifted left by n along the last dim, the n vacated positions set to `fill`."""
    if n == 0:
        return x
    return torch.cat([x[:, n:], x.new_full((x.shape[0], n), fill)], dim=1)
