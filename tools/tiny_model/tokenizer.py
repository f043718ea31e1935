"""A one-token-per-character tokenizer (built with `tokenizers`) and the tiny model's chat template.

The template renders a conversation as `<|system|>…<|user|>12+7<|assistant|>` and the model answers
`<think>12+7</think>19<|end|>`: a reasoning span that `synth.backends` splits out, then the answer.
Every marker is one token, so a prompt costs few positions. The role markers and `<|end|>` are
special tokens (dropped when decoding with `skip_special_tokens`); `<think>`/`</think>` are added
but not special, as in Qwen3 and DeepSeek-R1, so engines keep them in the text they return.
"""
from __future__ import annotations

import string
from pathlib import Path

__all__ = ["SPECIAL_TOKENS", "CHAT_TEMPLATE", "EOS", "PAD", "build_tokenizer", "format_response", "render_prompt"]

PAD, EOS, UNK = "<|pad|>", "<|end|>", "<|unk|>"
SPECIAL_TOKENS = [PAD, EOS, UNK, "<|system|>", "<|user|>", "<|assistant|>"]
THINK_TOKENS = ["<think>", "</think>"]
CHARS = [c for c in string.printable if c not in "\x0b\x0c\r"]  # printable ASCII, space, \t, \n

CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}<|system|>{{ m['content'] }}"
    "{% elif m['role'] == 'user' %}<|user|>{{ m['content'] }}"
    "{% elif m['role'] == 'assistant' %}<|assistant|>{{ m['content'] }}<|end|>"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def render_prompt(question: str) -> str:
    """The chat template applied to one user turn with a generation prompt (what training sees)."""
    return f"<|user|>{question}<|assistant|>"


def format_response(question: str, answer: str) -> str:
    return f"<think>{question}</think>{answer}{EOS}"


def build_tokenizer():
    """A `transformers.PreTrainedTokenizerFast` with the chat template set."""
    from tokenizers import AddedToken, Tokenizer, decoders, models
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS + THINK_TOKENS)}
    for ch in CHARS:
        vocab.setdefault(ch, len(vocab))
    # BPE without merges = one token per character; Fuse joins tokens back without separators.
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=UNK))
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=None, eos_token=EOS, pad_token=PAD, unk_token=UNK,
        additional_special_tokens=SPECIAL_TOKENS[3:], model_max_length=256, padding_side="left",
    )
    tok.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS[3:]})
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in THINK_TOKENS])
    tok.chat_template = CHAT_TEMPLATE
    return tok


def save_tokenizer(out_dir: str | Path):
    tok = build_tokenizer()
    tok.save_pretrained(str(out_dir))
    return tok
