"""normalize_line / normalize_text / fold: what display text keeps and what matching folds away."""

from __future__ import annotations

from jiance.text import fold, is_cjk, normalize_line, normalize_text, visual_width


def test_fullwidth_letters_and_digits_become_ascii() -> None:
    assert normalize_line("２０２６年营收达１２亿元，ＧＤＰ增长") == "2026年营收达12亿元，GDP增长"


def test_fullwidth_punctuation_is_kept() -> None:
    assert normalize_line("记者问：“何时上市？”（完）") == "记者问：“何时上市？”（完）"


def test_odd_spaces_become_ascii_but_ideographic_indent_stays() -> None:
    assert normalize_line("\u3000\u3000售价\u00a0999\u2009元\t起") == "\u3000\u3000售价 999 元 起"


def test_zero_width_marks_and_controls_are_dropped() -> None:
    assert normalize_line("芯\u200b片\u200d产\ufeff能\u00ad提\x07升") == "芯片产能提升"


def test_newlines_are_unified() -> None:
    assert normalize_text("第一行\r\n第二行\r第三行\n") == "第一行\n第二行\n第三行\n"


def test_fold_removes_width_case_and_spaces() -> None:
    assert fold("ＭａｃＢｏｏｋ Ｐｒｏ　发布") == "macbookpro发布"
    assert fold("MacBook  Pro", keep_spaces=True) == "macbook pro"


def test_fold_keeps_length_for_cjk_and_fullwidth() -> None:
    text = "工信部：５Ｇ基站数达１１５．９万个（截至九月底）"
    folded = fold(text, keep_spaces=True)
    assert len(folded) == len(text)
    assert folded == "工信部:5g基站数达115.9万个(截至九月底)"


def test_is_cjk_and_visual_width() -> None:
    assert is_cjk("芯") and is_cjk("𠀀") and not is_cjk("A") and not is_cjk("，")
    assert visual_width("芯片AI") == 6
    assert visual_width("ＡＩ，") == 6
