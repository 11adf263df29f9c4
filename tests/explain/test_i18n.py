"""The explainer's two languages: every message exists in both with the same blanks, and Korean
particles follow the sound of the word before them (digits and Latin letters read as Koreans
read them)."""

import re
import string

import pytest

from convkit.explain import i18n
from convkit.explain.i18n import MESSAGES, attach_particles, particle, translator

# Messages that are the same in both languages on purpose (a formula, a unit, a passthrough).
SAME_IN_BOTH = {"summary_macs", "torch_message", "anim_legend_pad"}
# English needs the singular word for one cell ("row"); Korean has one form.
OWN_BLANKS = {"unreached_one": ({"dim", "first", "word_one"}, {"dim", "first", "word"})}


def fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_in_both_languages_with_the_same_blanks(key):
    entry = MESSAGES[key]
    assert set(entry) == set(i18n.LANGUAGES)
    en, ko = OWN_BLANKS.get(key, (fields(entry["en"]), fields(entry["en"])))
    assert (fields(entry["en"]), fields(entry["ko"])) == (en, ko)
    if key not in SAME_IN_BOTH and re.search("[A-Za-z]{3}", re.sub(r"\{\w+\}", "", entry["en"])):
        assert re.search("[\uac00-\ud7a3]", entry["ko"]), f"{key} is not translated"


@pytest.mark.parametrize(
    "word,subject,topic,obj,toward",
    [
        # Hangul: 책 ends in a consonant, 의자 in a vowel, 서울 in ㄹ (서울로, not 서울으로).
        ("책", "이", "은", "을", "으로"),
        ("의자", "가", "는", "를", "로"),
        ("서울", "이", "은", "을", "로"),
        # Numbers as read aloud: 1 일 (ㄹ), 2 이, 3 삼, 6 육, 10 십, 16 십육, 28 이십팔 (ㄹ),
        # 100 백, 1000 천, 10000 만, 0 영, 2.5 이 점 오.
        ("1", "이", "은", "을", "로"),
        ("2", "가", "는", "를", "로"),
        ("3", "이", "은", "을", "으로"),
        ("6", "이", "은", "을", "으로"),
        ("10", "이", "은", "을", "으로"),
        ("16", "이", "은", "을", "으로"),
        ("28", "이", "은", "을", "로"),
        ("100", "이", "은", "을", "으로"),
        ("1000", "이", "은", "을", "으로"),
        ("10000", "이", "은", "을", "으로"),
        ("0", "이", "은", "을", "으로"),
        ("2.5", "가", "는", "를", "로"),
        ("1 x 1 x 28 x 28", "이", "은", "을", "로"),
        ("4,096", "이", "은", "을", "으로"),
        # Latin letters: spelled letters (H 에이치, L 엘, N 엔), acronyms (ReLU 렐루), words
        # (Flatten 플래튼, kernel 커널, padding 패딩, input 인풋, same 세임, stride 스트라이드).
        ("H", "가", "는", "를", "로"),
        ("L", "이", "은", "을", "로"),
        ("N", "이", "은", "을", "으로"),
        ("ReLU", "가", "는", "를", "로"),
        ("Conv2d", "가", "는", "를", "로"),
        ("Flatten", "이", "은", "을", "으로"),
        ("kernel", "이", "은", "을", "로"),
        ("padding", "이", "은", "을", "으로"),
        ("input", "이", "은", "을", "으로"),
        ("same", "이", "은", "을", "으로"),
        ("stride", "가", "는", "를", "로"),
        ("weight", "가", "는", "를", "로"),
        # Brackets and quotes: a call is read by its name, a tuple by its last element.
        ("Conv2d(1, 5, kernel_size=(5, 5))", "가", "는", "를", "로"),
        ("Linear(in_features=720, out_features=10)", "가", "는", "를", "로"),
        ("(3, 3)", "이", "은", "을", "으로"),
        ("'same'", "이", "은", "을", "으로"),
    ],
)
def test_particles(word, subject, topic, obj, toward):
    assert particle(word, "이(가)") == subject
    assert particle(word, "은(는)") == topic
    assert particle(word, "을(를)") == obj
    assert particle(word, "(으)로") == toward


def test_templates_get_fitted_particles():
    t = translator("ko")
    text = t("adaptive_uneven", dim="H", size=10, out=3, smallest=3, largest=4, overlap="")
    assert "10이 3의 배수가" in text and "(가)" not in text
    text = t(
        "channel_mismatch", layer="Conv2d", want=3, got=5, source="입력", axis=1, shape="1 x 5"
    )
    assert "in_channels=5로 바꾸거나" in text
    assert attach_particles("Flatten()을(를) 넣고 MaxPool2d(2)을(를)") == (
        "Flatten()을 넣고 MaxPool2d(2)를"
    )


def test_no_unfitted_particle_reaches_korean_output():
    from convkit.explain import explain_shapes

    for layers in (
        ["Conv2d(1, 5, 5)", "MaxPool2d(2)", "Flatten()", "Linear(720, 10)"],
        ["Conv2d(1, 1, 4, padding='same')", "AdaptiveAvgPool2d(3)", "Linear(3, 2)"],
        ["ConvTranspose2d(1, 1, 3, stride=2, output_padding=1)", "Conv2d(1, 1, 40)"],
    ):
        text = str(explain_shapes("1x28x28", layers, lang="ko"))
        assert not re.search(r"\((는|가|를|와|으)\)", text), text
