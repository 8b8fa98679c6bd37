"""Signs that a claim found in an answer is not firmly stated.

Two kinds, both read from the answer's words (lowercase, accentless tokens as
:mod:`tpgrade.exam.rubric` cuts them):

- a hedge or a question around it: "peut-être que XOR n'est pas séparable",
  "je ne sais pas s'il y a une invariance", "… symétrique ?" — the student
  does not claim it;
- an excess fed by its remedy: "le taux est trop grand, il faut l'augmenter" names the right
  cause and undoes it in the same answer;
- a word opposite to the idea's own in the clause that states it: "sa dérivée
  vaut 1 pour les entrées négatives" for an idea about positive inputs, "la
  variance diminue quand d_k grandit" for one that grows, "pendant
  l'évaluation le dropout éteint des neurones" for one said of training.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = [
    "DIRECTIONS",
    "NEAR_OPPOSITES",
    "OPPOSITES",
    "fed_excess",
    "groups_of",
    "hedged_stretches",
    "opposed",
]

# Hedges, as token sequences: "peut-être" is one token ("peutetre"); "peut être" (can be) is none.
_HEDGES: tuple[tuple[str, ...], ...] = tuple(
    tuple(h.split())
    for h in (
        "peutetre",
        "maybe",
        "perhaps",
        "possibly",
        "je ne sais",
        "je sais pas",
        "je sais plus",
        "i dont know",
        "j ignore",
        "suis pas sur",
        "suis pas sure",
        "suis pas certain",
        "suis pas certaine",
        "pas tres sur",
        "not sure",
        "not certain",
        "don not know",
        "aucune idee",
        "no idea",
        "difficile a dire",
        "hard to say",
        # a claim made only under a condition of the student's: "conserve la taille seulement si …"
        "seulement si",
        "uniquement si",
        "seulement quand",
        "seulement lorsque",
        "only if",
        "only when",
    )
)
# Groups of words opposite to one another in the course's claims (each line, words of one
# side then "|" then the other's). A clause that states an idea with a word of one side while
# the idea says the other contradicts it.
OPPOSITES: tuple[str, ...] = (
    "positif positive positifs positives positive | negatif negative negatifs negatives negative",
    "augmente croit | diminue decroit baisse",
    "entrainement | evaluation inference",
    "rapide | lent",
    "recent | ancien origine originale originales original",
    "premier premiere premiers premieres first | dernier derniere derniers dernieres last final",
    "autant | moins",
    "maximum | moyenne minimum average mean",
    "faux | vrai naturel naturelle naturels naturelles natural",
    "facile simple easy | difficile impossible dur hard",
    "invariance | sensible sensibles sensitive",
    "disparait | explose explosent explosion explodes exploding",
    "divise divisee divisees divisent divided | multiplie multipliee multiplient multiplied double doublent",
)

# Groups read only next to the phrasing found (its words, and a few around them up to a comma or
# an "et"): one sentence often says both sides of them of two different things ("on gèle le
# backbone et on entraîne une nouvelle tête"). The lines of OPPOSITES are read there too, so that
# "le dropout est actif en évaluation et désactivé pendant l'entraînement" is said of training.
NEAR_OPPOSITES: tuple[str, ...] = (
    # what the idea does to a layer, and the opposite act
    "gele | entraine reentraine",
    # the invariance the idea names, not another ("invariant aux rotations")
    "translation | rotation rotations echelle scale zoom",
    "nouveau nouvelle nouvelles new | pre-entraine pre-entraines pre-entrainee pre-entrainees pretrained "
    "pre-trained preentraine preentraines preentrainee preentrainees",
    # one way only ("a > b": a claim with a, a clause with b instead): what is added is not put in
    # place of the thing ("remplace les embeddings par la position"), while "on ajoute une couche à 3
    # sorties" may say what "remplacer la dernière couche" does
    "ajoute additionne somme > remplace",
    # what is replaced is not kept ("on garde la couche finale à 1000 sorties")
    "remplace > garde",
    # the least for the most ("les régions qui ont le moins compté")
    "plus most | moins least",
)


# The lines of OPPOSITES whose opposite word contradicts the claim even beside the claim's own
# word: "la variance diminue quand d_k augmente" gives the wrong thing's direction.
DIRECTIONS = frozenset((1,))


def hedged_stretches(words: Sequence[str], stretch: Sequence[int]) -> list[bool]:
    """For each word, whether its stretch (``stretch[i]``: a sentence, cut again at ";" and
    where a contrast opens) holds a hedge or ends with a question mark."""
    members: dict[int, list[str]] = {}
    for word, number in zip(words, stretch, strict=True):
        members.setdefault(number, []).append(word)
    doubtful = {
        number: tokens[-1] == "?" or any(_holds(tokens, hedge) for hedge in _HEDGES)
        for number, tokens in members.items()
    }
    return [doubtful[number] for number in stretch]


# What takes a claim back, anywhere in an answer: "… mais en fait non, …", "ou l'inverse".
_TAKING_BACK: tuple[tuple[str, ...], ...] = tuple(
    tuple(t.split())
    for t in (
        "en fait non",
        "non en fait",
        "sauf que non",
        "sauf que pas",
        "ou plutot non",
        "en fait c est faux",
        "except no",
        "except not",
        "enfin non",
        "mais non",
        "ou l inverse",
        "c est l inverse",
        "je confonds",
        "enfin je crois",
        "enfin , je crois",
        "enfin je pense",
        "quoique",
        "actually no",
        "or the opposite",
        "or the other way",
    )
)


def takes_back(words: Sequence[str]) -> bool:
    """Whether the answer takes one of its claims back ("Mais en fait non, …"): nothing in it
    is settled without a reader."""
    tokens = list(words)
    return any(_holds(tokens, phrase) for phrase in _TAKING_BACK)


def _holds(tokens: list[str], hedge: tuple[str, ...]) -> bool:
    size = len(hedge)
    return any(tuple(tokens[k : k + size]) == hedge for k in range(len(tokens) - size + 1))


def opposed(
    clause: frozenset[str],
    claim: frozenset[str],
    groups: Sequence[tuple[frozenset[str], ...]],
    beside: frozenset[int] = frozenset(),
) -> bool:
    """Whether ``clause`` (stems) holds a word of one side of a group instead of the other side,
    which ``claim`` (the idea's stems and its phrasing's) holds and not the first; for the groups
    numbered in ``beside``, even where the clause holds the claim's side too. A group of one way
    (``a > b``, see :func:`groups_of`) has an empty third side and only opposes b to a claim of a."""
    for number, sides in enumerate(groups):
        both = number in beside
        one_way = len(sides) == 3 and not sides[2]
        for index, side in enumerate(sides):
            if not clause & side or claim & side or (one_way and index != 1):
                continue
            if any(
                claim & other and (both or not clause & other)
                for other in sides[: 1 if one_way else None]
                if other is not side
            ):
                return True
    return False


def groups_of(lines: Sequence[str], stem: Callable[[str], str]) -> tuple[tuple[frozenset[str], ...], ...]:
    """The lines of :data:`OPPOSITES` as sides of stems; a line of one way gets an empty third side."""
    groups: list[tuple[frozenset[str], ...]] = []
    for line in lines:
        one_way = ">" in line
        sides = tuple(frozenset(stem(w) for w in side.split()) for side in line.replace(">", "|").split("|"))
        groups.append((*sides, frozenset()) if one_way else sides)
    return tuple(groups)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# An excess ("trop grand", "trop peu") and the verbs that would make it worse: up, then down.
_TOO = frozenset(("trop", "too"))
_EXCESS = (
    _wordset(
        "grand grande grands grandes eleve elevee eleves elevees fort forte forts haut haute hauts gros grosse large high big"
    ),
    _wordset("petit petite petits petites faible faibles bas basse peu small low"),
)
_WORSENING = (
    _wordset("augmenter augmente augmentez augmentons accroitre accroit monter raise increase"),
    _wordset(
        "diminuer diminue diminuez diminuons baisser baisse baissez reduire reduit reduisez lower decrease reduce"
    ),
)
_EXCESS_REACH = 2  # words between "trop" and its size word ("trop vraiment grand")
_OBJECT_PRONOUNS = _wordset("l le la les it")
_NAMED_REACH = 4  # words before "trop" that name what is in excess, and after the verb its object
_FUNCTION_WORDS = _wordset("l le la les d de du des un une est sont is are the a of")


def fed_excess(words: Sequence[str]) -> bool:
    """Whether an excess ("le taux est trop grand") is followed, later in the answer, by a verb
    that pushes the same way on it ("il faut l'augmenter", "augmenter le taux"): the right
    diagnosis with the opposite remedy. Another object ("augmenter la taille du réseau") is none."""
    for i, word in enumerate(words):
        if word not in _TOO:
            continue
        near = words[i + 1 : i + 2 + _EXCESS_REACH]
        named = frozenset(words[max(0, i - _NAMED_REACH) : i]) - _FUNCTION_WORDS
        for excess, worsening in zip(_EXCESS, _WORSENING, strict=True):
            if not any(w in excess for w in near):
                continue
            for k in range(i + 1, len(words)):
                if words[k] not in worsening:
                    continue
                if words[k - 1] in _OBJECT_PRONOUNS or named & frozenset(words[k + 1 : k + 1 + _NAMED_REACH]):
                    return True
    return False
