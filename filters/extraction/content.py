"""Linearise a cleaned DOM into text blocks, pick the main content, render Markdown.

Main-content selection (hand-written: neither trafilatura nor Resiliparse exposes its
selector on a DOM we have already rewritten, and trafilatura's is too slow for our
budget); docs/extraction.md has the full story:
1. every block (paragraph, list item, heading, table, code block) gets a weight: its
   non-link characters, zero for short or link-dominated blocks;
2. blocks under elements that look like boilerplate (nav/aside/footer/header, hidden
   nodes, class/id/role tokens such as `sidebar`, `share`, `cookie`, `comments`) are
   dropped, unless that element holds most of the page's weight (a wrapper called
   `has-sidebar` is not a sidebar);
3. starting at <body>, descend into the child holding most of the remaining weight
   while it holds at least DOMINANCE of its parent's; then snap to an unambiguous
   article-body container, and on Q&A / forum pages lift to the element holding the
   question and every answer;
4. keep the blocks under that element minus link lists, plus a lead paragraph just
   before it and math/code blocks anywhere; drop orphan headings and closing bylines.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from filters.extraction.protect import TOKEN_RE, ProtectedStore

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr html li main nav ol p section summary table tbody thead tfoot tr td th "
    "ul menu caption legend".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template head title meta link iframe svg canvas object embed button select option "
    "input textarea audio video map area source track img picture frame frameset applet base label".split()
)
BOILERPLATE_TAGS = frozenset({"nav", "aside", "footer", "header", "dialog", "menu"})
# "hidden-xs", "hide-on-mobile": hidden on some screens only, visible on a desktop.
_NOT_RESPONSIVE = r"(?!-(?:on-|for-)?(?:xs|sm|md|lg|xl|xxl|mobile|phone|tablet|desktop|small|medium|large|print)\b)"
# Strong signals: these containers are boilerplate whatever else their class says.
_STRONG_BP_RE = re.compile(
    r"(?:^|[\s_-])(nav|navbar|navigation|menu|menubar|footer|sidebar|share|sharing|shares|social|sociable|cookie|"
    r"cookies|consent|gdpr|breadcrumb|breadcrumbs|related|recommended|recommendations|newsletter|subscribe|"
    r"subscription|advert|advertisement|ads|ad|adsbygoogle|sponsor|sponsored|promo|tags|tagcloud|byline|comments|"
    r"comment|commentlist|disqus|outbrain|taboola|meta|post-meta|entry-meta|skiplink|sr-only|screen-reader-text|"
    r"visually-hidden|author|authors|author-bio|authorbox|about-author|about-the-author|buybox|buy-box|paywall|"
    r"purchase|user-info|user-details|user-action-time|usercard|user-card|reputation|disclosure|disclaimer|"
    # forum chrome around each post: signatures, the poster's box, post footers
    r"signature|signaturecontainer|userinfo|usertitle|user-title|message-user|message-attribution|"
    r"message-footer|postprofile)(?:$|[\s_-])",
    re.I,
)
# Weak signals: overridden when the same class/id also names content ("edit-post-popup").
_WEAK_BP_RE = re.compile(
    r"(?:^|[\s_-])(widget|widgets|banner|popup|modal|pagination|pager|toolbar|masthead|popular|trending|rating|"
    r"voting|vote|hidden" + _NOT_RESPONSIVE + r"|hide" + _NOT_RESPONSIVE + r"|hide[A-Z]\w*|login|signin|signup|"
    r"copyright|print|caption|credit|credits|overlay|"
    r"lightbox|popmake)(?:$|[\s_-])",
    re.I,
)
_CONTENT_RE = re.compile(r"content|article|entry|post|body|text|answer|question|story|thread", re.I)
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert", "menu", "menubar"})
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS_RE = re.compile(r"\s+")
BR = "\x00"  # line-break marker inside a block; parsed text never holds NUL (lxml maps it to U+FFFD)

DOMINANCE = 0.6  # a child must hold this share of its parent's weight to be descended into
MIN_BLOCK_CHARS = 25  # shorter blocks carry no weight (dates, "Share", buttons)
MAX_LINK_DENSITY = 0.5
HINT_SHARE = 0.3  # a hinted article-body element must hold this share of the main node
TAIL_MAX_CHARS = 60
LEAD_LEVELS = 3  # how far above the main element a lead paragraph is looked for
LEAD_MIN_WEIGHT = 150


# Display math and code blocks are rarely boilerplate: keep them wherever they are.
_PRECIOUS_RE = re.compile("\ue000[MDB]\\d+\ue001")


class ExtractionTimeout(TimeoutError):
    """Raised when one document exceeds its time budget."""


@dataclass(slots=True)
class Block:
    kind: str  # p, h, li, table, quote
    prefix: str
    text: str
    owner: etree._Element
    link_chars: int
    chain: tuple = ()  # block-level ancestors from the start element down to `owner`
    weight: float = 0.0


class Linearizer:
    """Turns a DOM into a flat list of Blocks, remembering which element owns each."""

    def __init__(self, deadline: float, max_depth: int = 400) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.in_link = 0
        self.owners: list[etree._Element] = []
        self.kind = "p"
        self.prefix = ""
        self.list_stack: list[list[int]] = []  # per open list: [ordered?, counter]
        self.quote = 0
        self.deadline = deadline
        self.max_depth = max_depth
        self.visited = 0

    def add_text(self, text: str) -> None:
        # Whitespace is normalised once per block in flush(), not per text node (speed).
        self.parts.append(text)
        if self.in_link:
            self.link_chars += len(text.strip())

    def flush(self) -> None:
        parts = self.parts
        if parts:
            text = "".join(parts)
            if not text.isspace():
                if BR in text:
                    text = "\n".join(line.strip() for line in _WS_RE.sub(" ", text).split(BR))
                    text = re.sub(r"\n{2,}", "\n", text).strip()
                else:
                    text = " ".join(text.split())  # = _WS_RE.sub(" ", text).strip(): both split on str.isspace()
                if text and self.owners:
                    prefix = self.prefix + ("> " * self.quote) if self.quote else self.prefix
                    self.blocks.append(Block(self.kind, prefix, text, self.owners[-1], self.link_chars, tuple(self.owners)))
            self.parts = []
        self.link_chars = 0
        self.kind = "p"
        self.prefix = ""

    def walk(self, el: etree._Element, depth: int = 0) -> None:
        self.visited += 1
        if not self.visited & 511 and time.monotonic() > self.deadline:
            raise ExtractionTimeout("extraction exceeded its time budget")
        tag = el.tag
        if tag in SKIP_TAGS or not isinstance(tag, str):
            return
        if tag == "br":
            self.parts.append(BR)
            return
        if depth > self.max_depth:  # pathological nesting: keep the text, drop the structure
            self.add_text(" ".join(el.itertext()))
            return
        is_block = tag in BLOCK_TAGS
        if is_block:
            if tag == "table" and _is_data_table(el):
                self.flush()
                self.owners.append(el)
                self._table(el)
                self.owners.pop()
                return
        elif _is_hidden_inline(el):
            return
        quoted = False
        if is_block:
            self.flush()
            self.owners.append(el)
            if tag[0] == "h" and len(tag) == 2 and tag[1].isdigit():
                self.kind, self.prefix = "h", "#" * int(tag[1]) + " "
            elif tag == "li":
                indent = "  " * max(0, len(self.list_stack) - 1)
                if self.list_stack and self.list_stack[-1][0]:
                    self.list_stack[-1][1] += 1
                    self.kind, self.prefix = "li", f"{indent}{self.list_stack[-1][1]}. "
                else:
                    self.kind, self.prefix = "li", f"{indent}- "
            elif tag in ("ul", "ol", "menu"):
                self.list_stack.append([tag == "ol", 0])
            elif (tag == "blockquote" or "uote" in (el.get("class") or "") or "data-rc-quote" in el.attrib) and _is_quote(el):
                quoted = True
                self.quote += 1
        elif tag == "a":
            self.in_link += 1
        parts = self.parts
        text = el.text
        if text:
            parts.append(text)
            if self.in_link:
                self.link_chars += len(text.strip())
        for child in el:
            self.walk(child, depth + 1)
            text = child.tail
            if text:
                self.parts.append(text)
                if self.in_link:
                    self.link_chars += len(text.strip())
        if is_block:
            self.flush()
            self.owners.pop()
            if tag in ("ul", "ol", "menu"):
                self.list_stack.pop()
            elif quoted:
                self.quote -= 1
        elif tag == "a":
            self.in_link -= 1
        elif tag == "cite" and self.quote:
            self.parts.append(BR)  # phpBB's "X wrote:" heads the quote on a line of its own

    def _table(self, table: etree._Element) -> None:
        rows: list[list[str]] = []
        links = 0
        for tr in table.iter("tr"):
            cells = []
            for cell in tr:
                if cell.tag not in ("td", "th"):
                    continue
                cells.append(" ".join(" ".join(cell.itertext()).split()).replace("|", "\\|"))
                for a in cell.iter("a"):
                    links += len("".join(a.itertext()).strip())
            if any(cells):
                rows.append(cells)
        if not rows:
            return
        width = max(len(r) for r in rows)
        lines = []
        for i, row in enumerate(rows):
            row = row + [""] * (width - len(row))
            lines.append("| " + " | ".join(row) + " |")
            if i == 0:
                lines.append("|" + "---|" * width)
        self.blocks.append(Block("table", "", "\n".join(lines), table, links, tuple(self.owners)))


# Forum quote boxes written as divs (vBulletin, phpBB, SMF, XenForo…); a vBulletin
# `blockquote.postcontent` is the post itself, not a quote.
_QUOTE_CLASS_RE = re.compile(r"(?:^|\s)(?:bbcode_quote|quote|quotecontent|quotebox|bbCodeBlock--quote|bbCodeQuote|"
                             r"post-quote|forum-quote|quoteblock)(?:\s|$)")
_NOT_QUOTE_CLASS_RE = re.compile(r"(?:^|\s)(?:postcontent|post_message|postbody|restore)(?:\s|$)")


# vBulletin 3 writes a quote as a "Quote:" label followed by an unnamed table or div.
_QUOTE_LABEL_XPATH = etree.XPath("//div[normalize-space(text())='Quote:' and not(*)]")


def mark_quote_boxes(root: etree._Element) -> None:
    """Tag the box after a bare "Quote:" label as a quote (`data-rc-quote`)."""
    for label in _QUOTE_LABEL_XPATH(root):
        box = label.getnext()
        if box is not None and box.tag in ("table", "div"):
            box.set("data-rc-quote", "1")


def _is_quote(el: etree._Element) -> bool:
    cls = el.get("class")
    if el.tag == "blockquote":
        return not (cls and _NOT_QUOTE_CLASS_RE.search(cls))
    # A quote box around a <blockquote> (Discourse's aside.quote) is one quote, not two.
    if (cls and "uote" in cls and _QUOTE_CLASS_RE.search(cls)) or el.get("data-rc-quote"):
        return el.find(".//blockquote") is None
    return False


_HIDDEN_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:hidden" + _NOT_RESPONSIVE + r"|hide" + _NOT_RESPONSIVE + r"\w*|sr-only|visually-hidden|"
    r"screen-reader-text)(?:$|[\s_-])",
    re.I,
)


# Class, id and style values repeat within a page and across pages of a site: the regex
# verdicts below are memoised by value (bounded, so a long crawl does not grow them).
_MEMO_SIZE = 8192


@lru_cache(maxsize=_MEMO_SIZE)
def _hidden_style(style: str) -> bool:
    return _HIDDEN_STYLE_RE.search(style) is not None


@lru_cache(maxsize=_MEMO_SIZE)
def _hidden_class(cls: str) -> bool:
    return _HIDDEN_CLASS_RE.search(cls) is not None


def _is_hidden_inline(el: etree._Element) -> bool:
    """Inline elements never shown to a reader (block elements are judged in select_main)."""
    attrib = el.attrib
    if not attrib:
        return False
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    if style and _hidden_style(style):
        return True
    cls = attrib.get("class")
    return bool(cls and _hidden_class(cls))


def _is_data_table(table: etree._Element) -> bool:
    """A table of data (rendered as Markdown) rather than a layout table (walked as blocks)."""
    n_cells = 0
    chars = 0
    max_cols = 0
    for tr in table.iter("tr"):
        cols = 0
        for cell in tr:
            if cell.tag in ("td", "th"):
                cols += 1
                n_cells += 1
                for sub in cell.iter():
                    if sub.tag in ("table", "div", "p", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3"):
                        if sub is not cell:
                            return False
                chars += len("".join(cell.itertext()))
        max_cols = max(max_cols, cols)
    return max_cols >= 2 and n_cells > 0 and chars / n_cells < 200


def _boilerplate_level(el: etree._Element) -> int:
    """2: certainly boilerplate (nav, footer, share bar…); 1: probably (hidden, popup…); 0: no."""
    tag = el.tag
    if tag == "aside" and _QUOTE_CLASS_RE.search(el.get("class") or ""):
        return 0  # Discourse quotes a post in <aside class="quote">
    if tag in BOILERPLATE_TAGS:
        if tag == "header" and _inside_article(el):
            return 0  # an article's own header: title, standfirst (the lead rule decides)
        return 2
    if tag in ("html", "body", "main", "article"):
        return 0
    if "-" in tag and _STRONG_BP_RE.search(tag):  # custom elements: <pp-navigation>, <cookie-banner>
        return 2
    if tag in ("figure", "figcaption"):
        return 1  # captions and credits; a figure holding code or math is kept
    attrib = el.attrib
    if not attrib:
        return 0
    role = attrib.get("role")
    if role and role.lower() in _BOILERPLATE_ROLES:
        return 2
    level = 0
    for name in ("class", "id"):
        v = attrib.get(name)
        if v:
            lv = _name_bp_level(v)
            if lv == 2:
                return 2
            level = level or lv
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return 1
    style = attrib.get("style")
    if style and _hidden_style(style):
        return 1
    return level


@lru_cache(maxsize=_MEMO_SIZE)
def _name_bp_level(v: str) -> int:
    """What a class or id value says: 2 strong boilerplate, 1 weak (and no content word), 0 neither."""
    if _STRONG_BP_RE.search(v):
        return 2
    return 1 if _WEAK_BP_RE.search(v) and not _CONTENT_RE.search(v) else 0


def _inside_article(el: etree._Element) -> bool:
    return any(a.tag == "article" for a in el.iterancestors())


def _block_weight(block: Block, store: ProtectedStore) -> float:
    text = block.text
    n = len(text)
    if "\ue000" in text:
        extra = 0
        for m in TOKEN_RE.finditer(text):
            extra += store.weight(m.group(2)) - len(m.group(0))
        n += extra
        if n > 0 and block.kind != "h":
            return max(0.0, n - block.link_chars)
    if n < MIN_BLOCK_CHARS or block.kind == "h":
        return 0.0
    if block.link_chars > MAX_LINK_DENSITY * n:
        return 0.0
    if block.kind == "table":  # data tables inform, but must not outweigh the prose around them
        return 0.3 * (n - block.link_chars)
    # Prose (sentences, commas) weighs more than a run of labels.
    punct = text.count(",") + text.count(". ") + 1
    return (n - block.link_chars) * min(1.5, 0.8 + 0.1 * punct)


def select_main(blocks: list[Block], root: etree._Element, store: ProtectedStore) -> list[Block]:
    if not blocks:
        return []
    block_chains: list[tuple[etree._Element, ...]] = []
    for b in blocks:
        block_chains.append(b.chain or tuple(reversed([b.owner, *b.owner.iterancestors()])))
        b.weight = _block_weight(b, store)

    agg: dict[etree._Element, float] = {}
    for b, chain in zip(blocks, block_chains):
        if b.weight:
            for el in chain:
                agg[el] = agg.get(el, 0.0) + b.weight
    total = max(agg.get(block_chains[0][0], 0.0), 1e-9)

    # A block under boilerplate is dropped unless that element holds most of the page.
    # Blocks with math or code survive "probable" boilerplate (hidden tabs, popups).
    # A chain's level is the highest of its elements'; chains share prefixes, so the level
    # is memoised per element for the chain ending there (a chain is its owner's block ancestors).
    chain_level: dict[etree._Element, int] = {}
    keep_flags = []
    for b, chain in zip(blocks, block_chains):
        level = chain_level.get(chain[-1])
        if level is None:
            at = len(chain) - 1
            while at >= 0 and chain[at] not in chain_level:
                at -= 1
            level = chain_level[chain[at]] if at >= 0 else 0
            for el in chain[at + 1 :]:
                if level < 2:
                    lv = _boilerplate_level(el)
                    if lv and agg.get(el, 0.0) >= 0.5 * total:
                        lv = 0
                    level = max(level, lv)
                chain_level[el] = level
        keep_flags.append(level == 0 or (level == 1 and _PRECIOUS_RE.search(b.text) is not None))

    clean: dict[etree._Element, float] = {}
    children: dict[etree._Element, dict[etree._Element, None]] = {}
    for b, chain, keep in zip(blocks, block_chains, keep_flags):
        if keep and b.weight:
            for i, el in enumerate(chain):
                clean[el] = clean.get(el, 0.0) + b.weight
                if i + 1 < len(chain):
                    children.setdefault(el, {})[chain[i + 1]] = None  # an ordered set: document order
    node = block_chains[0][0]
    if node not in clean:
        return [b for b, keep in zip(blocks, keep_flags) if keep]
    for _ in range(len(clean)):  # bounded: each step goes one level down
        kids = children.get(node)
        if not kids:
            break
        best = max(kids, key=lambda k: clean[k])
        if clean[best] < DOMINANCE * clean[node] or best not in children:
            break  # no dominant child, or it is a single block: its siblings belong with it
        node = best

    node = _refine_with_hints(node, clean, children)
    node = _include_thread(node, clean, block_chains, keep_flags)

    # A lead paragraph often sits just before the body container (under the same parent
    # or grandparent): keep prose blocks there too.
    first_main = next((i for i, chain in enumerate(block_chains) if node in chain), len(blocks))
    lead_scopes: tuple = ()
    if first_main < len(blocks):
        node_chain = block_chains[first_main]
        at = node_chain.index(node)
        lead_scopes = node_chain[max(0, at - LEAD_LEVELS) : at]

    kept_idx: list[int] = []
    for i, (b, chain, keep) in enumerate(zip(blocks, block_chains, keep_flags)):
        if not keep:
            continue
        if (
            i < first_main
            and node not in chain
            and (b.weight >= LEAD_MIN_WEIGHT and b.kind in ("p", "quote") or b.kind == "h" and len(b.text) >= 80)
            and any(scope in chain for scope in lead_scopes)
        ):
            kept_idx.append(i)
            continue
        if node not in chain and not (_PRECIOUS_RE.search(b.text) and b.link_chars < MAX_LINK_DENSITY * len(b.text)):
            continue  # outside the main content; math and code blocks are kept anyway
        if b.link_chars > MAX_LINK_DENSITY * len(b.text) and "\ue000" not in b.text:
            continue
        if b.kind == "p" and _SIGNATURE_RE.match(b.text):
            continue  # vBulletin 3 signatures: an unnamed div opening with a line of underscores
        if _SERVER_ERROR_RE.match(b.text):
            continue  # "Warning: … in /var/www/….php on line 12" printed into the page
        kept_idx.append(i)
    # A heading, or a short line ending in ':' / '?', whose next block was dropped
    # introduced something we dropped ("Related articles:", "Want more?").
    kept_set = set(kept_idx)
    out = []
    for i in kept_idx:
        b = blocks[i]
        if _is_intro_line(b) and (i + 1 not in kept_set or (b.kind == "h" and _same_or_higher_heading(blocks[i + 1], b))):
            continue
        out.append(b)
    # Short lines closing the article ("About the author", "Source: …", a date) are
    # bylines and credits, not content.
    # So are calls to action that open with a short question ("Want more? Subscribe…").
    while out and out[-1].kind in ("p", "h") and "\ue000" not in out[-1].text and (
        len(out[-1].text) < TAIL_MAX_CHARS or _CTA_RE.match(out[-1].text)
    ):
        out.pop()
    return out


# Class/id names that publishing systems give the article body (after trafilatura's
# BODY_XPATH, reduced to the unambiguous ones).
_BODY_HINT_RE = re.compile(
    r"(?:^|[\s_-])(?:entry-content|post-content|post_content|postcontent|post-body|post-entry|article-body|"
    r"article__body|articlebody|article-content|article__content|article-text|articletext|story-body|storycontent|"
    r"story-content|body-text|text-content|field-body|c-article-body|rich-text|richtext|blog-content|single-content|"
    r"main-content|content-body)(?:$|[\s_-])",
    re.I,
)


def _is_body_hint(el: etree._Element) -> bool:
    attrib = el.attrib
    if not attrib:
        return False
    if attrib.get("itemprop") == "articleBody":
        return True
    for name in ("class", "id"):
        v = attrib.get(name)
        if v and _body_hint_name(v):
            return True
    return False


@lru_cache(maxsize=_MEMO_SIZE)
def _body_hint_name(v: str) -> bool:
    return _BODY_HINT_RE.search(v) is not None


def _refine_with_hints(node, clean, children):
    """Move the main node onto the page's own article-body container when that is
    unambiguous: one hinted element below `node` holding most of its weight (the
    descent stopped too high), or a hinted ancestor close above it (it went too deep)."""
    hinted: list[etree._Element] = []
    stack = [node]
    while stack:
        el = stack.pop()
        if el is not node and _is_body_hint(el) and clean.get(el, 0.0) >= HINT_SHARE * clean[node]:
            hinted.append(el)
            continue  # nested hints: the outermost one counts
        stack.extend(children.get(el, ()))
    if len(hinted) == 1:
        return hinted[0]
    if not hinted:
        for anc in node.iterancestors():
            if anc not in clean or clean[anc] > 2 * clean[node]:
                break
            if _is_body_hint(anc):
                return anc
    return node


_THREAD_ITEMTYPE_RE = re.compile(r"schema\.org/(?:Question|Answer|DiscussionForumPosting)$")
# Q&A posts, and forum posts as vBulletin (li.postcontainer / postbit), XenForo
# (article.message--post), Discourse (topic-post), bbPress (bbp-reply) write them. A bare
# `post` class (phpBB's div.post) counts only with a forum post's parts inside (postbody,
# postprofile): WordPress calls every article and teaser `post`.
_THREAD_CLASS_RE = re.compile(
    r"(?:^|\s)(?:question|answer|js-question|js-answer|postcontainer|postbit|message--post|forumpost|forum-post|"
    r"topic-post|bbp-reply|bbp-topic|post_wrapper|cPost|ipsComment)(?:\s|$)"
)
_THREAD_ID_RE = re.compile(r"^post_message_\d+$")  # vBulletin 3: table-based posts, only the message has a name
_BARE_POST_RE = re.compile(r"(?:^|\s)post(?:\s|$)")
_FORUM_PART_RE = re.compile(r"(?:^|\s)(?:postbody|postprofile|post-body|postbit|signature)(?:\s|$)")


def _is_thread_post(el: etree._Element) -> bool:
    itemtype = el.get("itemtype")
    if itemtype and _THREAD_ITEMTYPE_RE.search(itemtype.strip()):
        return True
    cls = el.get("class")
    if not cls:
        ident = el.get("id")
        return bool(ident and _THREAD_ID_RE.match(ident))
    if _THREAD_CLASS_RE.search(cls):
        return True
    if _BARE_POST_RE.search(cls):
        for child in el.iterchildren():
            for node in (child, *child.iterchildren()):  # two levels down: div.post > div.inner > div.postbody
                ccls = node.get("class") if isinstance(node.tag, str) else None
                if ccls and _FORUM_PART_RE.search(ccls):
                    return True
    return False


def _include_thread(node, clean, block_chains, keep_flags):
    """On a Q&A page or forum thread the question and every answer belong to the main
    content, even when the answers together outweigh the question (the descent would then
    step into the answers' container). Lift the node to the lowest common ancestor of all
    posts (schema.org Question/Answer/DiscussionForumPosting, or `question`/`answer`
    classes) that carry weight."""
    post_chains = []
    # Each element is looked at once, in the first kept chain holding it. An element is
    # done only after its ancestors, so a chain is done up to its deepest done element.
    done: set[etree._Element] = set()
    for chain, keep in zip(block_chains, keep_flags):
        if not keep:
            continue
        at = len(chain)
        while at and chain[at - 1] not in done:
            at -= 1
        for i in range(at, len(chain)):
            el = chain[i]
            done.add(el)
            if clean.get(el) and _is_thread_post(el):
                post_chains.append(chain[: i + 1])
    # A "post" that contains other posts is a page-wide wrapper (SE puts the Question
    # microdata on the whole content area, sidebar included): only innermost posts count.
    wrappers = {el for chain in post_chains for el in chain[:-1]}
    post_chains = [chain for chain in post_chains if chain[-1] not in wrappers]
    if len(post_chains) < 2:
        return node
    node_chain = next((c[: c.index(node) + 1] for c in block_chains if node in c), None)
    if node_chain is None:
        return node
    common = node_chain
    for chain in post_chains:
        n = 0
        for a, b in zip(common, chain):
            if a is not b:
                break
            n += 1
        common = common[:n]
    return common[-1] if common else node


def _same_or_higher_heading(nxt: Block, b: Block) -> bool:
    """`nxt` is a heading at `b`'s level or above: `b` heads an empty section."""
    return nxt.kind == "h" and nxt.prefix.count("#") <= b.prefix.count("#")


def _is_intro_line(b: Block) -> bool:
    if b.kind == "h":
        return len(b.text) < 80  # a long heading is a standfirst, not a section title
    return len(b.text) < 80 and b.text.rstrip().endswith((":", "?", "!", "…")) and "\ue000" not in b.text


_CTA_RE = re.compile(r"¿?(?:[^.?!\n]|\.(?=\S)){3,60}[?!]\s")
_SIGNATURE_RE = re.compile(r"_{8,}\s*(?:\n|$)")
_SERVER_ERROR_RE = re.compile(r"(?:Warning|Notice|Deprecated|Fatal error|Parse error|Strict Standards): .{0,400}? on line \d+", re.S)
_UNESCAPED_DOLLAR_RE = re.compile(r"(?<!\\)\$")


def render(blocks: list[Block], store: ProtectedStore, escape_dollars: bool) -> str:
    pieces: list[str] = []
    prev_kind = ""
    for b in blocks:
        text = b.text
        if escape_dollars and "$" in text:
            text = _UNESCAPED_DOLLAR_RE.sub(r"\\$", text)  # a page's own "\$" stays as it is
        if b.prefix:
            # Continuation lines: indented under a list item, still quoted inside a quote.
            cont = re.sub(r"[^>]", " ", b.prefix) if ">" in b.prefix else " " * len(b.prefix)
            text = b.prefix + text.replace("\n", "\n" + cont)
        sep = "\n" if (b.kind == "li" and prev_kind == "li") else "\n\n"
        if pieces:
            pieces.append(sep)
        pieces.append(text)
        prev_kind = b.kind
    out = "".join(pieces)
    # Block-level placeholders (code blocks, display math) stand on their own lines.
    out = TOKEN_RE.sub(lambda m: f"\n\n{m.group(0)}\n\n" if m.group(1) == "B" else m.group(0), out)
    out = re.sub(r"[ \t]*\n[ \t]*\n\s*", "\n\n", out)
    out = out.strip()
    return TOKEN_RE.sub(lambda m: store.render(int(m.group(2))), out)


__all__ = ["Block", "Linearizer", "ExtractionTimeout", "mark_quote_boxes", "select_main", "render"]
