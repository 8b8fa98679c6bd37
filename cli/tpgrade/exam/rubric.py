"""Grading a short answer against its rubric of claims, clause by clause.

An answer is cut into clauses: at sentence ends, ``;``, ``:`` and line breaks,
before contrasting or causal conjunctions ("mais", "alors que", "tandis que",
"car", "whereas", "but" …) and before "sans"/"without", and at "et", "ou",
"que", "pour" or a comma when what follows starts a new statement (a subject
the rubric knows, a pronoun, a negated verb). Words are reduced to stems
(:func:`normalise`: lowercase, accents removed, elisions split, French stop
words dropped, each word stemmed, the stems of one family of words that say the
same thing made one: :mod:`tpgrade.exam.lexicon`), and a rubric idea is a claim: a phrasing
(what is said) that must occur whole in one clause, with the clause's polarity
(a negation anywhere in the clause withholds a positive phrasing, and a
negative phrasing such as "pas linéairement séparable" needs one), said of the
idea's subject when it has one. The subject of a phrasing is the rubric
subject named nearest before it in the clause (not one governed by a
preposition, nor one set in contrast: "contrairement à la détection"), else
the one named after it behind a preposition ("… par la détection"), else the
subject of the clause before (a pronoun carries it). An ``unless`` claim that
is stated withholds the idea it mimics, and a phrasing said of another
subject of the question is a role swap (a claim said of its subject and of
another one too goes to review, unless that other clause states an idea of its
own). A negation after the keyword denies it ("… n'y sont pour rien"), but not
when it denies an action on an object named after it ("le dropout ne désactive
aucun neurone"); "ne … ni X ni Y" negates each of its members. A claim followed
by "sans" and another noun of the idea ("des couches cachées, mais sans
activation") is withheld; an idea whose words, the prompt's aside, all belong to
another idea stated in the same clause, and found nowhere else, is that idea's
words (review).

An answer with no verb at all earns nothing automatically: a bare list of
short items ("symétrie, inégalité triangulaire", or three items or more cut by
";" of which one at most has a verb) is zeroed without review, a lone noun
phrase or words joined by "et" go to review. An idea found in the
clause of a stated confusion is the confusion's words (zeroed); found
elsewhere in the confusion's sentence, it goes to review; an idea the answer
only comes near (part of a phrasing, said of another subject, against one of
its words …) beside a stated confusion is surely missed. A confusion written
as a purpose ("pour que le softmax sature") is stated only as one. An answer
that earns points and puts a definite noun phrase forward ("c'est la couche
dense qui …", the form a role swap takes) goes to review. Each decision carries a
confidence in [0, 1] calibrated on labelled answers (see the exam tests);
below the exam's review threshold a person reads the answer.

Matching is linear in the answer's length: words are indexed once, and a
phrasing looks only at the clauses that hold its words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import snowballstemmer

from tpgrade.exam.doubts import (
    DIRECTIONS,
    NEAR_OPPOSITES,
    OPPOSITES,
    fed_excess,
    groups_of,
    hedged_stretches,
    opposed,
    takes_back,
)
from tpgrade.exam.lexicon import FAMILIES, GENERIC, NUMBERS, STOP_WORDS
from tpgrade.exam.schema import Claim, KeyIdea, ShortAnswer

__all__ = ["IdeaDecision", "ShortDecision", "clauses", "grade_short", "has_verb", "normalise"]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS = _wordset(
    """
    a ai aie ainsi alors as au aupres aussi aux avait avec avoir avons avez ayant c ca car ce ceci cela
    celle celles celui cependant ces cet cette ceux chaque comme comment d dans de des deja dont donc du
    elle elles en encore entre est et etaient etait etant ete etre eu eux fait faire faut il ils j je
    jusqu l la le les leur leurs lors lorsqu lorsque lui m ma mais me mes moi mon notre nous on ont or ou
    parce peut peuvent pour pourquoi puis puisqu puisque qu quand que quel quelle quelles quels qui
    quoi quoiqu s sa se selon ses si soit sont sera serait son sur t ta te tel telle tes toi ton tous
    tout toute toutes tres tu un une va vont vos votre vous y doit doivent afin ici cas
    an and are as at be by do does did for from has have in is it its of on or so that the their then
    this to was were which with will would can could should
    seulement uniquement simplement only merely
    """
) | _wordset(STOP_WORDS)
# Words that negate their whole clause; "non" negates the next word only, and
# "sans"/"without" open a clause of their own that they negate.
_NEGATIONS = _wordset(
    "ne n pas aucun aucune jamais rien ni nullement guere not no never cannot nor none"
)  # not "nul": zero
_WITHOUT = _wordset("sans without")
_ALMOST = _wordset("presque quasi quasiment pratiquement")
_QUALIFIER_REACH = 3  # words after a phrasing that say when or of what it holds
# Negations that deny the noun after them ("aucun ordre", "no order"), not what came before.
_FORWARD_NEGATIONS = _wordset("aucun aucune ni no none nor sans without")
# Words a negation reaches across ("pas vraiment séparable", "does not satisfy the …").
_NEGATION_BRIDGES = _wordset(
    "vraiment forcement necessairement toujours plus du tout really always necessarily entirely fully"
)
# Nouns of relevance that pass a negation on to what follows them: "aucun effet sur le bruit"
# denies the noise its part; "pas une question de saturation" says nothing about saturating.
_RELEVANCE = _wordset(
    "question effet effets role importance rapport lien cause impact influence voir effect link"
)
_NOT_NEGATING_AFTER = {"sans": _wordset("doute cesse"), "non": _wordset("seulement plus")}
_SENTENCE_BREAKS = frozenset(".;!?:\n")
_SENTENCE_ENDS = frozenset(".!?\n")
_REFERRING = _wordset("il elle ils elles celle celui ceux celles it they this these")
# Conjunctions that always open a clause of their own (the first word of a locution).
_CLAUSE_OPENERS = _wordset(
    "mais car donc puisque puisqu cependant pourtant sinon toutefois neanmoins tandis whereas while but "
    "because since however otherwise although though sauf except"
)
_ADVERB_OPENERS = _wordset("donc pourtant cependant toutefois neanmoins however")
_CLAUSE_OPENER_PAIRS = frozenset(
    {("alors", "que"), ("alors", "qu"), ("parce", "que"), ("parce", "qu"), ("bien", "que"), ("au", "lieu")}
)
# Words that open a clause when a new statement follows them.
_LINKS = _wordset(", et ou and or puis then que qu pour afin si s if so")
_LOCUTIONS = frozenset(
    {
        ("a", "partir"),
        ("grace", "a"),
        ("au", "lieu"),
        ("par", "exemple"),
        ("en", "fait"),
        ("quand", "meme"),
        ("qd", "meme"),
    }
)  # "quand même" (all the same) is not "même" (same)
_COMPARATIVES = _wordset("plus moins autant aussi mieux meilleur meilleure pire meme more less than")
_PRONOUNS = _wordset(
    "il elle ils elles on it they celle celui ceux celles cela ca c nous vous je we you premiere premier seconde second autre"
)
_DETERMINERS = _wordset(
    "le les un des du au ce ces son ses mon mes ton tes notre nos votre vos leur leurs quelques plusieurs "
    "petit petits grand grands gros premier premiers chaque"
)
_ARTICLES = _wordset("le la les l un une ce cette ces son sa ses leur leurs the a an this these its their")
_PREPOSITIONS = _wordset(
    "de d du a au aux par pour avec sur dans en chez contre vers of from by to with for in on against que qu than"
)
_AGENTS = _PREPOSITIONS - _wordset("que qu than contre against vers to")
_LIKE = _wordset("comme like")  # after a verb, "comme la segmentation" compares: not the subject
_CONTRASTS = _wordset("contrairement unlike difference oppose opposition lieu plutot instead comparaison")
_RELATIVES = _wordset("qui that which")
# Verb forms frequent in answers (accentless); some are nouns too ("classe", "masque"), and
# count as verbs only after a noun (see _verb_cues).
_VERBS = _wordset(
    """
    est sont etait etaient sera seront serait seraient ete etre ont avait avaient aura auront aurait
    auraient avoir peut peuvent pourrait pourraient pouvoir doit doivent devrait devraient devoir faut
    fallait faudrait va vont allait aller fait font faisait faire devient deviennent devenir reste
    restent rester semble semblent permet permettent permettre empeche empechent empecher evite evitent
    eviter donne donnent donner produit produisent produire cree creent creer genere generent generer
    apprend apprennent apprendre utilise utilisent utiliser prend prennent prendre met mettent mettre
    dit disent dire voit voient voir sait savent savoir connait connaissent suffit suffisent ajoute
    ajoutent ajouter garde gardent garder conserve conservent conserver reduit reduisent reduire diminue
    diminuent diminuer augmente augmentent augmenter croit croissent passe passent passer sature
    saturent saturer explose explosent exploser disparait disparaissent disparaitre evanouit evanouissent
    accumule accumulent accumuler additionne additionnent remplace remplacent remplacer gele gelent geler
    entraine entrainent entrainer distingue distinguent distinguer juge jugent juger trompe trompent
    tromper encadre encadrent encadrer attribue attribuent attribuer assigne assignent associe associent
    predit predisent predire calcule calculent calculer depend dependent dependre represente
    representent montre montrent montrer indique indiquent correspond correspondent consiste sert
    servent servir oblige obligent obliger compresse compressent compresser resume resument recopie
    recopient recopier ignore ignorent ignorer tient tiennent change changent changer evolue evoluent
    baisse baissent remonte remontent oscille oscillent diverge divergent converge convergent
    surapprend surapprennent memorise memorisent generalise generalisent rend rendent traite traitent
    fonctionne fonctionnent vaut valent tend tendent glisse glissent parcourt applique appliquent
    regarde regardent recoit recoivent renvoie renvoient retourne retournent sort sortent fournit
    fournissent transforme transforment contient contiennent possede possedent arrive arrivent arrete
    arretent desactive desactivent desactiver active activent eteint eteignent supprime suppriment
    retire retirent enleve enlevent choisit choisissent tire tirent fixe fixent initialise initialisent
    initialiser brise brisent briser casse cassent casser introduit introduisent impose imposent
    suppose supposent fuit fuient teste testent tester decoupe decoupent decouper melange melangent
    melanger respecte respectent verifie verifient satisfait viole violent normalise normalisent
    encode encodent decode decodent reconstruit reconstruisent divise divisent diviser multiplie
    multiplient agrandit retrecit retrecissent localise localisent trouve trouvent dessine dessinent
    colorie colorient entoure entourent delimite delimitent essaie essaient essaye cherche cherchent
    affronte affrontent oppose opposent coopere cooperent surveille surveillent surveiller reentraine
    reentrainer mesure mesurent classe classent masque partage partagent compte comptent copie
    soient soit ait aient puisse puissent somment sommes overfit overfits underfits fits
    double doublent manque manquent risque risquent derive coupe coupent regle porte portent porter
    vehicule vehiculent transporte transportent
    is are was were be been has have had does do did can could will would should must may might gives
    give makes make uses use learns learn outputs predicts predict assigns assign classifies classify
    produces produce generates generate creates create tells tell distinguishes distinguish tries try
    fools fool trains ignores ignore keeps keep reduces reduce halves halve changes shifts drifts means
    mean prevents prevent avoids avoid forces allows allow lets let helps help adds add accumulates
    accumulate sums replaces replace freezes freeze zeroes drops disables disable turns turn saturates
    saturate vanishes vanish explodes explode becomes become remains remain stays stay depends depend
    grows grow increases increase decreases decrease leaks leak sees see knows know introduces
    introduce imposes impose implies imply needs need requires require works work computes compute
    slides slide shares share looks look passes pass flows flow copies copy compresses compress
    draws draw puts put takes take gets get goes go comes come lowers lower prevent monitor retrain
    doubles removes overwrite overwrites reinitialise reinitialize reinitialises reinitializes shrinks
    shuffles resets collapses equals raises causes skips breaks
    """
)
_NOUN_LIKE_VERBS = _wordset(
    "classe masque partage compte copie double manque risque derive coupe regle mesure porte vehicule"
)
_VERB_ENDINGS = ("aient", "erait", "eront", "issent", "erons")
_INFINITIVE_AFTER = _wordset("pour de d a sans to")
# Verbs that deny what follows them ("le padding évite de réduire la taille"): a confusion
# written after one of them is not stated.
_AVOIDING = _wordset(
    "evite eviter evitent empeche empecher empechent limite limiter limitent compense reduit reduire "
    "reduisent diminue diminuer diminuent supprime supprimer suppriment elimine eliminer eliminent "
    "enleve enlever enlevent retire retirer retirent "
    "prevent prevents avoid avoids reduce reduces remove removes eliminate eliminates"
)
_LESS = _wordset("moins less fewer")
_EXPLETIVE = _wordset("evite eviter evitent empeche empecher avant peur crainte")
_FAULTS = _wordset(
    "trop mal inutile inutiles lent lente lents enlever enleve enlevent retirer retire retirent supprimer supprime "
    "suppriment faux fausse "
    "erreur bug panne mauvais mauvaise too slow wrong useless remove"
)  # "moins de bruit": just before a phrasing, it denies it too
_COORDINATORS = _wordset("et ou and or")
_JOINED_SUBJECT = 3  # content words of a subject that "et" joins to another before their verb
_COUNTERFACTUAL = _wordset("sans without sinon otherwise")
_STATEMENT_STARTS = _PRONOUNS | _wordset("ne n pas not no jamais aucun aucune non sans without")
# Nouns that are also verbs of the lexicon: read as the verb right after a word that can be its
# subject ("le gradient fond"), as the noun after an article or a preposition ("le fond").
_HOMOGRAPH_VERBS = {"fond": "disparait", "fondent": "disparaissent"}
_EXCEPTIONS = {
    "noyaux": "noyau",
    "tuyaux": "tuyau",
    "joyaux": "joyau",
    "date": "datation",
    "dates": "datation",
}  # a date is no data
_FIXED_PREFIXES = ("biais",)  # stems snowball would cut too short ("biais" -> "bi")
_LONGEST_WORD = 40  # longer tokens are kept whole, never stemmed or compared
_ARROWS = frozenset(("->", "=>", "-->", "==>", "→", "⇒", "⟶", "⟹", "↦"))  # "sigmoïde -> sature": a statement
_TOKEN = re.compile(r"-->|==>|->|=>|[→⇒⟶⟹↦]|[a-z0-9]+(?:-[a-z0-9]+)*|[.;!?](?=\s|$)|[,:\n]")
_ABBREVIATION = re.compile(r"\b(?:[a-z]\.){2,}")  # e.g. i.e. w.r.t. do not end a sentence
_STEMMER = snowballstemmer.stemmer("french")

# Confidence of each kind of evidence, calibrated on the labelled tuning answers.
SURE = 0.95  # stated in a clause with a verb, exactly; or nothing close to the idea
CONFIDENCE = {
    "stated": SURE,
    "carried": 0.9,  # the subject comes from the clause before (a pronoun)
    "term": 0.9,  # one word of the rubric, in a clause with a verb, the idea naming no subject
    "faulted": 0.6,  # the same, in a clause that finds fault with something ("trop", "mal", "enlever")
    "implied": 0.9,  # no subject named; the prompt's
    "loose": 0.7,  # the phrasing's words spread over the clause
    "doubled": 0.7,  # stated, and said of another subject of the question too
    "typo": 0.8,
    "no verb": 0.8,  # stated in a clause without a verb ("Solution : early stopping"), verbs elsewhere
    "contradicted": 0.5,
    "overruled": 0.8,  # stated, inside a clause that states a listed confusion: the confusion's words
    "denied": 0.6,  # after a verb that denies it: "un petit lot réduit le bruit"  # stated, and a claim that mimics it stated too
    "absent": SURE,
    "unless": 0.9,  # a listed confusion is stated
    "negated": 0.85,
    "aside": 0.7,  # stated in a clause whose negation bears on other words
    "mixed": 0.7,  # weak evidence, in an answer that states a listed confusion elsewhere
    "scope": 0.6,  # a negative phrasing, the clause's negation on other words
    "reordered": 0.6,  # a phrasing that starts with a verb, found after a subject doing it
    "withheld": 0.6,  # followed by "sans" and another word of the idea: "couches cachées, mais sans activation"
    "hedged": 0.6,  # in a sentence that hedges ("peut-être", "je ne sais pas") or asks ("… ?")
    "opposed": 0.6,  # its clause says the opposite of a word of the idea ("pour les entrées négatives")
    "sought": 0.6,  # a failure given as a goal: "pour que les neurones restent identiques"
    "asserted": 0.6,  # what would go wrong otherwise, asserted as what happens: "le réseau recopie"
    "cleft": 0.6,  # said of something else put forward: "c'est l'entropie croisée qui …"
    "blocked": 0.6,  # a verb that stops something between its words: "empêche le gradient de remonter"
    "described": 0.6,  # a noun described ("la matrice de confusion a quatre cases"), not proposed
    "object": 0.6,  # a one-word verb phrasing with another object: "surveiller le CPU"
    "absence": 0.6,  # what the thing does, said of its absence: "sans padding elle garde la taille"
    "shared": 0.6,  # its words all belong to another idea's phrasing in the same clause
    "swapped": 0.6,  # said of another subject, and no confusion listed for it
    "unbound": 0.6,  # said of no subject at all
    "partial": 0.6,  # all but one word of a phrasing of three or more
    "partial2": 0.6,  # one word of a phrasing of two
    "opposite": 0.6,  # a negative phrasing found without its negation
    "keywords": 0.5,  # the answer has no verb
    "list": 0.8,  # a bare list of short items, no verb anywhere: surely nothing claimed
    "outweighed": 0.9,  # weak evidence that earns nothing, in an answer that states a listed confusion
}
_OFF_LENGTH = 0.7  # the most a very short or very long answer gets
_SHORT_WORDS, _LONG_WORDS = 3, 150
_WORDY = 25  # content words from which a missed idea may be a paraphrase


@dataclass(frozen=True)
class IdeaDecision:
    """One rubric idea: the points it earned, how sure the matcher is, and why.

    ``matched`` names the phrasing behind the decision: the one that earned the
    idea, or, for an idea not earned, ``unless: …``, ``negated: …``,
    ``swapped: …``, ``partial: …`` or ``keywords: …``; it is empty when
    nothing came close. ``clause`` is the answer's clause where it was found,
    and ``reason`` says in a few words what kind of evidence it is.
    """

    idea: str
    points: float
    max_points: float
    matched: str
    confidence: float
    clause: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ShortDecision:
    """A graded short answer; ``confidence`` is the lowest of its ideas', or lower for the reason
    in ``note`` (an answer without a verb, a very short or very long one)."""

    score: float
    max_score: float
    confidence: float
    ideas: tuple[IdeaDecision, ...]
    note: str = ""


# --- words --------------------------------------------------------------------------------


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_plural(stem: str) -> str:
    """Final e's, then one final s (not a double one), that snowball leaves after accent removal."""
    while len(stem) > 3 and stem[-1] == "e":
        stem = stem[:-1]
    if len(stem) > 3 and stem[-1] == "s" and stem[-2] != "s":
        stem = stem[:-1]
    return stem


@lru_cache(maxsize=32768)
def _stem(word: str) -> str:
    """The word's stem, reduced to its family's (see :mod:`tpgrade.exam.lexicon`)."""
    base = _base_stem(NUMBERS.get(word, word))
    return _family_stems().get(base, base)


@lru_cache(maxsize=1)
def _family_stems() -> dict[str, str]:
    """Each stem of a family of words that say the same thing -> the stem of its first word."""
    table: dict[str, str] = {}
    for family in FAMILIES:
        words = family.split()
        first = _base_stem(words[0])
        for word in words:
            table.setdefault(_base_stem(word), first)
    return table


@lru_cache(maxsize=1)
def _generic_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in GENERIC.split()) | frozenset("0123456789")


def family_clashes() -> list[str]:
    """Stems that two families of the lexicon share (each should belong to one)."""
    owner: dict[str, int] = {}
    clashes: list[str] = []
    for number, family in enumerate(FAMILIES):
        for stem in {_base_stem(w) for w in family.split()}:
            if owner.setdefault(stem, number) != number:
                clashes.append(f"{stem}: {FAMILIES[owner[stem]].split()[0]} / {family.split()[0]}")
    return clashes


def _base_stem(word: str) -> str:
    """Snowball's French stem, then the endings it leaves on accentless or irregular words."""
    if not word.isalpha() or len(word) > _LONGEST_WORD:
        return word
    if word.startswith(_FIXED_PREFIXES):
        return next(p for p in _FIXED_PREFIXES if word.startswith(p))
    if len(word) > 6 and word.endswith("ly"):  # English adverbs: linearly
        word = word[:-2]
    elif len(word) > 6 and word.endswith("ing"):  # English gerunds: overfitting, pooling
        word = word[:-4] if word[-4] == word[-5] else word[:-3]
    elif len(word) > 3 and word[-1] == "s" and word[-2] != "s":  # plurals snowball keeps: layers
        word = word[:-1]
    stem: str = _STEMMER.stemWord(_EXCEPTIONS.get(word, word))
    if len(stem) > 5 and stem.endswith("ient"):  # devient, deviennent
        stem = stem[:-1]
    elif len(stem) > 5 and stem.endswith("ent"):  # apprennent, separent (3rd person plural)
        stem = stem[:-3]
    stem = _strip_plural(stem)  # vrais, cachee -> cache
    if len(stem) > 4 and stem[-1] == "r" and stem[-2] not in "aeiouy":  # apprendr(e), mettr(e)
        stem = stem[:-1]
    if len(stem) > 6 and stem.endswith("ait"):  # disparait(re)
        stem = stem[:-3]
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouy":  # apprenn, disparaiss
        stem = stem[:-1]
    if len(stem) > 6 and stem.endswith("ais"):  # disparais(sent)
        stem = stem[:-3]
    if len(stem) > 4 and stem.endswith(("uir", "uit", "end")):  # reduire, apprend
        stem = stem[:-1]
    return stem


def _noun_form(word: str) -> str:
    """A lighter reduction for subjects (nouns): plural and final e only, so that the verb
    "génère" is not the noun "générateur"."""
    if len(word) > 3 and word[-1] in "sx" and word[-2] != "s":
        word = word[:-1]
    if len(word) > 4 and word[-1] == "e":
        word = word[:-1]
    return word


def _plain(text: str) -> tuple[str, list[int] | None]:
    """Lowercase accentless text, and where each of its characters comes from in ``text``
    (``None`` when it is character for character)."""
    plain = _strip_accents(text)
    if len(plain) == len(text):
        return plain, None
    origin: list[int] = []
    pieces: list[str] = []
    for index, char in enumerate(text):
        piece = _strip_accents(char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


def _tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Words and punctuation marks with their spans in ``text``; hyphens join, except after
    ``non``; "n't" becomes "not"."""
    plain, origin = _plain(text)
    plain = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", "_"), plain)
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    for found in _TOKEN.finditer(plain):
        start, end = found.span()
        span = (start, end) if origin is None else (origin[start], origin[end - 1] + 1)
        token = found.group(0)
        if token == "n" and (end >= len(plain) or plain[end] not in "'’ʼ`"):
            token = "n0"  # a variable ("2/n"), not the elided "ne"
        if token == "t" and words and words[-1].endswith("n") and start > 0 and plain[start - 1] in "'’ʼ`":
            words.append("not")  # doesn't, can't
            spans.append(span)
            continue
        parts = token.split("-")
        if token in _ARROWS:
            words.append("->")
            spans.append(span)
        elif parts[0] == "non" and len(parts) > 1:
            words += ["non", "".join(parts[1:])]
            spans += [span, span]
        else:
            words.append("".join(parts))
            spans.append(span)
    return words, spans


def _words(text: str) -> list[str]:
    return _tokens(text)[0]


def _negates(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` negates its clause: not ``ne … que`` (only), not the noun ``pas``
    (a step)."""
    word = words[i]
    if word not in _NEGATIONS:
        return False
    if word == "pas" and i > 0 and words[i - 1] in _DETERMINERS:
        return False
    if word == "pas" and _is_number(words[i + 1 : i + 3]):
        return False  # the stride: "pas 2", "pas de 2", "pas = 2"
    if word == "rien" and i > 0 and words[i - 1] in _ALMOST:
        return False  # "coûte presque rien": a small amount, its clause is not denied
    if word in ("ne", "n"):
        if any(w in _EXPLETIVE for w in words[max(0, i - 5) : i]) and "que" in words[max(0, i - 4) : i]:
            return "pas" in words[i + 1 : i + 4]  # "évite que le softmax ne sature": no negation
        for k, later in enumerate(words[i + 1 : i + 4], start=i + 1):
            if later in ("que", "qu"):
                return False
            if later in _NEGATIONS:
                return not (later == "rien" and words[k - 1] in _ALMOST)  # "n'a presque rien"
    return True


_REJECTIONS = {"au": ("lieu",), "plutot": (), "instead": (), "rather": ()}
_REJECTION_ENDS = _wordset("de d que qu of than")
_SPLIT_REJECTION = 6  # words between "plutôt" and its "que"


def _rejection(words: Sequence[str], i: int) -> int:
    """Where the locution that rejects what follows it ends, if one starts at ``i`` ("au lieu
    de", "plutôt que", "instead of", "rather than"); else -1. Not "plutôt de la régularisation"
    (rather some regularisation)."""
    if words[i] in ("que", "qu", "than") and i > 0 and words[i - 1] not in _REJECTIONS:
        # "plutôt ajouter des couches que des activations": what "que" brings is rejected
        return i if any(w in ("plutot", "rather") for w in words[max(0, i - _SPLIT_REJECTION) : i]) else -1
    middle = _REJECTIONS.get(words[i])
    if middle is None:
        return -1
    last = i + len(middle) + 1
    if last >= len(words) or tuple(words[i + 1 : last]) != middle or words[last] not in _REJECTION_ENDS:
        return -1
    if words[i] == "plutot" and words[last] in ("de", "d"):
        return -1
    return last


def _without_the_thing(frame: _Frame, found: _Found, prompt: frozenset[str]) -> bool:
    """Whether ``found`` is said of the absence of the thing the question asks about: the clause
    before it, in its sentence, is "sans padding" / "without padding" ("… et sans padding elle
    garde la même taille": what the padding does, given to its absence)."""
    c = found.clause
    if c == 0:
        return False
    first, last = frame.bounds[c - 1]
    words, stems = frame.answer.words, frame.answer.stems
    while first < last and not words[first].isalnum():  # the break that opens it
        first += 1
    if words[first] not in _WITHOUT or any(w in _SENTENCE_BREAKS for w in words[first : found.start]):
        return False
    if any(w in _LESS for w in words[frame.bounds[c][0] : frame.bounds[c][1] + 1]):
        return False  # "sans padding, les bords comptent moins": the failure, rightly
    if any(len(w) > 5 and w.endswith(_CONDITIONAL_ENDINGS) for w in words[found.start : found.end + 1]):
        return False  # "sans eval(), le dropout resterait actif": what would happen
    return first < last and stems[first + 1] in prompt - _generic_stems()  # "sans padding"


def _is_number(after: list[str]) -> bool:
    return bool(after) and (
        after[0].isdigit() or (after[0] == "de" and len(after) > 1 and after[1].isdigit())
    )


def _verb_cues(words: list[str]) -> list[bool]:
    """Which words look like verbs (a lexicon, a few endings, and the words after a subject
    pronoun, a reflexive or a negation)."""
    cues = [False] * len(words)
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in _ARROWS:
            cues[i] = True
        elif word in _VERBS:
            cues[i] = word not in _NOUN_LIKE_VERBS or (
                bool(before)
                and before.isalpha()
                and before not in _ARTICLES
                and before not in _PREPOSITIONS
                and (after in _ARTICLES or after in _DETERMINERS or after in _NEGATIONS)
            )
        elif (
            (len(word) > 5 and word.endswith(_VERB_ENDINGS))
            or (before in _PRONOUNS | _wordset("se s ne n qui") and word.isalpha() and before != word)
            or (before in _INFINITIVE_AFTER and len(word) > 4 and word.endswith(("er", "ir", "re")))
            or (len(word) > 5 and word.endswith("ed") and not word.endswith("eed"))
        ):
            cues[i] = True
        elif (
            len(word) > 3
            and word.endswith("s")
            and not word.endswith("ss")
            and any(w in _wordset("the a an this each every") for w in words[max(0, i - 3) : i - 1])
            and before.isalpha()
            and before not in _STOP_WORDS
        ):
            cues[i] = True  # "the model overfits", "the generator turns"
        elif (
            word.isalpha()
            and word not in _STOP_WORDS
            and before.isalpha()
            and before not in _STOP_WORDS
            and before not in _ARTICLES
            and after in _ARTICLES - {"a", "an", "the"}
        ):
            cues[i] = True  # "la segmentation colorie chaque pixel"
    return cues


@dataclass(frozen=True)
class _Answer:
    """An answer, word by word, indexed."""

    text: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    stems: tuple[str | None, ...]  # None for stop words, negations and punctuation
    nouns: tuple[str, ...]  # the lighter reduction, for subjects
    rank: tuple[int, ...]  # how many content words come before word i
    negation: tuple[bool, ...]  # negates its clause
    local: frozenset[int]  # words negated by a "non" just before them
    verb: tuple[bool, ...]
    opens: tuple[int, ...]  # 2: always opens a clause, 1: opens one if a statement follows, 0
    index: dict[str, list[int]]  # stem (of a word, or of two joined words) -> where it starts
    pair_ends: frozenset[int]  # starts of joined-word matches ("auto" + "encodeur")


def _analyse(text: str) -> _Answer:
    """The answer analysed; short texts (phrasings, answers graded idea by idea) are cached."""
    return _analysed(text) if len(text) <= 4096 else _analysis(text)


@lru_cache(maxsize=512)
def _analysed(text: str) -> _Answer:
    return _analysis(text)


def _analysis(text: str) -> _Answer:
    words, spans = _tokens(text)
    negation = [_negates(words, i) for i in range(len(words))]
    local: set[int] = set()
    opens = [0] * len(words)
    verbs = _verb_cues(words)
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in _ADVERB_OPENERS and i > 0 and verbs[i - 1]:
            continue  # "on ajoute donc aux embeddings": an adverb, not a new clause
        if word in _WITHOUT:
            negation[i] = after not in _NOT_NEGATING_AFTER["sans"]
            opens[i] = 2 if negation[i] else 0
        elif _rejection(words, i) > 0:
            opens[i] = 2
            negation[_rejection(words, i)] = True  # the locution's last word: what follows is rejected
        elif word == "non":
            if after in _STOP_WORDS or after in _ARTICLES or after == "plus":
                negation[i] = True  # "et non un masque", "la précision non plus"
            elif after.isalpha() and after not in _NOT_NEGATING_AFTER["non"]:
                local.add(i + 1)
        elif word in _SENTENCE_BREAKS or word in _CLAUSE_OPENERS or (word, after) in _CLAUSE_OPENER_PAIRS:
            opens[i] = 2
        elif word == "so" and i > 0 and words[i - 1] == ",":
            opens[i] = 2  # ", so …": a consequence, a statement of its own
        elif word in _LINKS or word in _RELATIVES:
            opens[i] = 1
    stems: list[str | None] = []
    rank: list[int] = []
    count = 0
    for i, word in enumerate(words):
        rank.append(count)
        locution = i > 0 and (words[i - 1], word) in _LOCUTIONS
        content = (
            word.isalnum() and word not in _STOP_WORDS and not negation[i] and word != "non" and not locution
        )
        verbal = word in _HOMOGRAPH_VERBS and i > 0 and _subject_word(words[i - 1])
        if verbal:
            verbs[i] = True
        stems.append(_stem(_HOMOGRAPH_VERBS[word] if verbal else word) if content else None)
        count += content
    index: dict[str, list[int]] = defaultdict(list)
    pair_ends: set[int] = set()
    for i, stem in enumerate(stems):
        if stem is not None:
            index[stem].append(i)
    for i, (a, b) in enumerate(pairwise(words)):
        if a.isalpha() and b.isalpha() and len(a) + len(b) <= _LONGEST_WORD and a != "non":
            joined = _stem(a + b)
            if joined != stems[i]:
                index[joined].append(i)
                pair_ends.add(i)
    return _Answer(
        text=text,
        words=tuple(words),
        spans=tuple(spans),
        stems=tuple(stems),
        nouns=tuple(_noun_form(w) for w in words),
        rank=tuple(rank),
        negation=tuple(negation),
        local=frozenset(local),
        verb=tuple(verbs),
        opens=tuple(opens),
        index=dict(index),
        pair_ends=frozenset(pair_ends),
    )


def _subject_word(word: str) -> bool:
    """Whether ``word`` can be the subject right before a verb: a noun or a pronoun, not an
    article, a preposition or a determiner."""
    return word.isalpha() and (
        word in _PRONOUNS or (word not in _STOP_WORDS and word not in _PREPOSITIONS | _DETERMINERS)
    )


def normalise(text: str) -> list[str]:
    """The content stems of ``text``, in order: no accents, case, elisions, stop words or punctuation."""
    return [stem for stem in _analyse(text).stems if stem is not None]


def has_verb(text: str) -> bool:
    """Whether ``text`` states something: a word that looks like a verb, and not a list of
    short items ("freeze, 3 sorties") whose only verbs stand alone."""
    return _states(_analyse(text))


_ITEM_BREAKS = frozenset(",;:\n") | _wordset("et ou and or")
_LIST_BREAKS = frozenset(",;\n")  # not "et": "noisy gradient et less memory" joins two claims
_LIST_ITEM_WORDS = 3


def _bare_list(answer: _Answer) -> bool:
    """Whether a verbless answer is a bare list: two items or more ("- XOR / - linéaire",
    "symétrie, inégalité triangulaire"), each of a few words, nothing relating them (no colon,
    arrow or sentence inside). Such a list names the course's words and claims nothing."""
    items: list[int] = [0]
    words = answer.words
    last_word = max((i for i, w in enumerate(words) if w.isalnum()), default=-1)  # one pass: no rescans
    aside = _parenthesised(answer)
    for i, word in enumerate(words):
        if i in aside:
            continue  # "des portes (oubli, entrée, sortie)": the parts of one item, not items
        if word in _LIST_BREAKS:
            items.append(0)
        elif word in (":", "->") or (word in _SENTENCE_BREAKS and i < last_word):
            return False
        elif word.isalnum() and word not in _STOP_WORDS:
            items[-1] += 1
    items = [n for n in items if n]
    return len(items) >= 2 and max(items) <= _LIST_ITEM_WORDS


def _parenthesised(answer: _Answer) -> frozenset[int]:
    """The words between parentheses opened after a space (an aside)."""
    depth, depths = 0, []
    for k, char in enumerate(answer.text):  # "portes (oubli, …)", not a formula's "KL(p||q)"
        opening = char == "(" and (depth or k == 0 or answer.text[k - 1].isspace())
        depth = max(0, depth + opening - (char == ")" and depth > 0))
        depths.append(depth)
    return frozenset(i for i, (start, _) in enumerate(answer.spans) if start and depths[start - 1] > 0)


def _states(answer: _Answer) -> bool:
    if not any(answer.verb):
        return False
    items: list[list[int]] = [[]]
    for i, word in enumerate(answer.words):
        if word in _ITEM_BREAKS:
            items.append([])
        elif word.isalnum():
            items[-1].append(i)
    items = [item for item in items if item]
    if len(items) < 2 or any(len(item) > 3 for item in items):
        return _states_beyond_a_list(answer)
    return any(len(item) > 1 and any(answer.verb[i] for i in item) for item in items)


_LIST_ITEMS = 3  # items of a list of keywords that one verb among them does not make a statement


def _states_beyond_a_list(answer: _Answer) -> bool:
    """False for a list of three items or more cut by ``;`` or line breaks, each of a few
    content words, where one item at most has a verb ("saturation ; gradient qui s'évanouit ;
    dérivée 1 ; rapide"): keywords, one of them with a verb, claim nothing."""
    items: list[list[int]] = [[]]
    for i, word in enumerate(answer.words):
        if word in (";", "\n"):
            items.append([])
        elif word in _SENTENCE_ENDS and i < len(answer.words) - 1:
            return True  # sentences, not a list
        elif answer.stems[i] is not None:
            items[-1].append(i)
    items = [item for item in items if item]
    if len(items) < _LIST_ITEMS or any(len(item) > _LIST_ITEM_WORDS for item in items):
        return True
    return sum(any(answer.verb[i] for i in item) for item in items) > 1


# --- typos --------------------------------------------------------------------------------


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a transposition as one edit; anything above ``limit`` is ``limit + 1``."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _squeeze(word: str) -> str:
    """The word with doubled letters written once: "rappel" and "rapel" meet."""
    return re.sub(r"(.)\1+", r"\1", word)


@lru_cache(maxsize=65536)
def _close(a: str, b: str, shortest: int = 5) -> bool:
    """A typo apart: same first two letters, and doubled letters aside or one edit apart
    (two from 12 letters); words shorter than ``shortest`` must be spelt right."""
    if a == b or min(len(a), len(b)) < shortest or a[:2] != b[:2] or max(len(a), len(b)) > _LONGEST_WORD:
        return False
    if _squeeze(a) == _squeeze(b):
        return True
    if a.startswith(b) or b.startswith(a):
        return False  # another word of the family, not a typo: "local" is not "localise"
    limit = 2 if min(len(a), len(b)) >= 12 else 1
    return abs(len(a) - len(b)) <= limit and _distance(a, b, limit) <= limit


# --- clauses and subjects -------------------------------------------------------------------

_Key = tuple[str, ...]  # a subject phrasing, reduced


@lru_cache(maxsize=4096)
def _subject_key(phrasing: str) -> _Key:
    return tuple(_noun_form(w) for w in _words(phrasing) if w.isalnum() and w not in _STOP_WORDS)


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    keys: frozenset[_Key]
    governed: bool  # behind a preposition: "par la détection", "du générateur"
    agent: bool  # behind a preposition that can introduce who does it ("par", "en", "pour" …)
    contrasted: bool  # "contrairement à la détection"
    object: bool = False  # right after a verb that is not a copula: "… rend l'attention invariante"


def _after_a_verb(answer: _Answer, i: int) -> bool:
    """Whether a verb comes before word ``i`` since the last break: "elle donne un masque comme
    la segmentation" compares, "un détecteur comme YOLO encadre" gives an example."""
    k = i - 1
    while k >= 0 and answer.words[k] not in _SENTENCE_BREAKS and answer.words[k] != ",":
        if answer.verb[k]:
            return True
        k -= 1
    return False


def _mentions(answer: _Answer, keys: frozenset[_Key]) -> list[_Mention]:
    """Where the subjects named by ``keys`` occur, in order."""
    by_first: dict[str, list[_Key]] = defaultdict(list)
    for key in keys:
        if key:
            by_first[key[0]].append(key)
    found: dict[int, tuple[int, set[_Key]]] = {}
    content = [i for i, stem in enumerate(answer.stems) if stem is not None]
    for place, i in enumerate(content):
        for key in by_first.get(answer.nouns[i], ()):
            following = [answer.nouns[j] for j in content[place : place + len(key)]]
            if tuple(following) == key:
                end = content[place + len(key) - 1]
                last, known = found.get(i, (end, set()))
                found[i] = (max(last, end), known | {key})
    mentions: list[_Mention] = []
    reach = -1  # a subject inside a longer one ("grad" in "zero_grad") is that one
    for start in sorted(found):
        end, known = found[start]
        if end <= reach:
            continue
        reach = end
        before = start - 1
        while before >= 0 and answer.words[before] in _ARTICLES:
            before -= 1
        word = answer.words[before] if before >= 0 else ""
        near = answer.words[max(0, start - 5) : start]
        contrasted = any(w in _CONTRASTS for w in near) and not (
            end + 1 < len(answer.words) and answer.words[end + 1] in _RELATIVES
        )
        acted_on = before >= 0 and answer.verb[before] and word not in _COPULAS
        mentions.append(
            _Mention(
                start,
                end,
                frozenset(known),
                word in _PREPOSITIONS,
                word in _AGENTS,
                contrasted or (word in _LIKE and _after_a_verb(answer, before)),
                acted_on,
            )
        )
    return mentions


@dataclass(frozen=True)
class _Frame:
    """An answer cut into clauses for one question's subjects."""

    answer: _Answer
    clause: tuple[int, ...]  # clause number of each word
    bounds: tuple[tuple[int, int], ...]  # first and last word of each clause
    negated: tuple[bool, ...]  # per clause
    inherited: tuple[bool, ...]  # per clause: negated as a whole by the clause before ("pas que …")
    verb: tuple[bool, ...]  # per clause
    mentions: tuple[_Mention, ...]
    by_clause: dict[int, list[_Mention]]
    carried: tuple[_Mention | None, ...]  # per clause: the subject of the clauses before


def _frame(answer: _Answer, keys: frozenset[_Key]) -> _Frame:
    mentions = _mentions(answer, keys)
    starts = {m.start for m in mentions}
    words = answer.words
    clause: list[int] = []
    current = 0
    within = False  # in a clause opened by "sans" or a negated "qui": it ends at the next comma
    split = -1  # or where a main clause takes over with no comma
    worded = False  # whether the clause being built holds a word yet
    verbed = False  # and a verb
    nouns = 0  # and how many content words
    for i, word in enumerate(words):
        opening = answer.opens[i]
        if (word == "," and within) or i == split:
            opening = 2
        if opening == 1:
            ahead = _ahead(answer, i)
            if i > 0 and words[i - 1] in _wordset("ni nor"):
                opening = 0  # "ni pour empêcher …, ni pour compresser": still the clause "ni" negates
            elif word in _COORDINATORS and not verbed and nouns <= _JOINED_SUBJECT:
                opening = (
                    0  # subjects joined before their verb: "le rappel et la précision ne servent à rien"
                )
            elif word in _RELATIVES:  # "qui n'existent pas": a relative clause negated on its own
                opening = 2 * any(words[j] in _NEGATIONS for j in ahead)
            elif word in ("que", "qu") and any(w in _COMPARATIVES for w in words[max(0, i - 4) : i]):
                opening = 0  # "plus précise que la segmentation": a comparison, not a clause
            elif word == "s":
                opening = 2 * (i + 1 < len(words) and words[i + 1] in _wordset("il ils"))  # "s'il"
            else:
                opening = 2 * any(j in starts or words[j] in _STATEMENT_STARTS for j in ahead)
                opening = max(opening, 2 * _comma_and(words, i))
        if opening == 2 and i != split:
            rejected = _rejection(words, i) > 0  # "au lieu de compresser, …": up to the comma
            within = word in _WITHOUT or word in _RELATIVES or rejected
            split = (
                _without_ends(answer, i)
                if word in _WITHOUT
                else _relative_ends(answer, i)
                if within and not rejected
                else -1
            )
        elif opening == 2:
            within, split = False, -1
        if opening == 2 and i > 0 and worded:  # ". ; :" in a row make one break
            current += 1
            worded = verbed = False
            nouns = 0
        clause.append(current)
        worded = worded or word.isalnum()
        verbed = verbed or answer.verb[i]
        nouns += answer.stems[i] is not None
    count = current + 1 if words else 0
    bounds = [(len(words), -1)] * count
    negated = [False] * count
    verb = [False] * count
    for i, c in enumerate(clause):
        first, last = bounds[c]
        bounds[c] = (min(first, i), max(last, i))
        negated[c] |= answer.negation[i]
        verb[c] |= answer.verb[i]
    inherited = [c > 0 and _denied_by_previous(answer, bounds[c][0]) for c in range(count)]
    negated = [n or i for n, i in zip(negated, inherited, strict=True)]
    by_clause: dict[int, list[_Mention]] = defaultdict(list)
    for mention in mentions:
        by_clause[clause[mention.start]].append(mention)
    carried: list[_Mention | None] = []
    subject: _Mention | None = None
    for c in range(count):
        first = bounds[c][0]
        new_sentence = c > 0 and any(words[i] in _SENTENCE_ENDS for i in range(bounds[c - 1][1], first + 1))
        refers = any(w in _REFERRING for w in words[first : first + 3])
        carried.append(subject if refers or not new_sentence else None)
        here = [m for m in by_clause.get(c, []) if not m.contrasted]
        if here:
            plain = [m for m in here if not m.governed]
            subject = (plain or here)[-1]
    return _Frame(
        answer,
        tuple(clause),
        tuple(bounds),
        tuple(negated),
        tuple(inherited),
        tuple(verb),
        tuple(mentions),
        dict(by_clause),
        tuple(carried),
    )


def _ahead(answer: _Answer, i: int) -> list[int]:
    """The three words after ``i`` that a link looks at to see whether a statement follows: not
    past a break ("… pour compresser : c'est …" is no statement after "pour")."""
    ahead: list[int] = []
    for j in range(i + 1, min(len(answer.words), i + 4)):
        if answer.opens[j] == 2:
            break
        ahead.append(j)
    return ahead


def _comma_and(words: tuple[str, ...], i: int) -> bool:
    """A comma, then "et"/"and" and an article: a new statement ("…, and each block learns")."""
    ahead = words[i + 1 : i + 3]
    return (
        words[i] == ","
        and len(ahead) == 2
        and ahead[0] in ("et", "and")
        and ahead[1] in _DETERMINERS | _ARTICLES | _wordset("each every")
    )


_DENYING_LEAD = _wordset("pas not plus jamais")
_COPULAS = _wordset(
    "est sont etait etaient sera serait reste restent devient deviennent is are was were be becomes"
)


def _denied_by_previous(answer: _Answer, first: int) -> bool:
    """Whether a clause opened at ``first`` by "que"/"parce que"/"because" right after a negation
    is what the negation denies ("ce n'est pas qu'elle sature", "not because it saturates")."""
    words = answer.words
    opener = first + 1 if first + 1 < len(words) and words[first] == "parce" else first
    if words[opener] not in _wordset("que qu because"):
        return False
    lead = first - 1 if first > 0 and words[first - 1] != "parce" else first - 2  # "pas parce | que"
    return lead >= 0 and words[lead] in _DENYING_LEAD and answer.negation[lead]


def _without_ends(answer: _Answer, start: int) -> int:
    """Where the clause opened by "sans" at ``start`` gives way to a main clause with no comma
    between ("sans la division le softmax sature"): the article before the first verb that
    is not the infinitive after "sans"; -1 if there is none before the next break."""
    last_article = -1
    first = start + 1
    while first < len(answer.words) and answer.words[first] in _wordset(
        "se s ne n pas plus jamais rien never"
    ):
        first += 1  # "sans s'atténuer", "sans ne rien", "sans jamais trouver"
    for k in range(first + 1, len(answer.words)):
        if answer.opens[k] == 2 or answer.words[k] == ",":
            return -1
        if answer.words[k] in _ARTICLES:
            last_article = k
        elif answer.verb[k]:
            return last_article if last_article > first + 1 else k
    return -1


def _relative_ends(answer: _Answer, start: int) -> int:
    """Where a negated relative clause opened at ``start`` gives way to its main clause with no
    comma between ("un bloc qui ne sert à rien peut laisser x"): its second verb; -1 if none."""
    verbs = 0
    for k in range(start + 1, len(answer.words)):
        if answer.opens[k] == 2 or answer.words[k] == ",":
            return -1
        if answer.verb[k] and answer.words[k] not in _NEGATIONS:
            verbs += 1
            if verbs == 2:
                return k
    return -1


def clauses(text: str, subjects: list[str] | None = None) -> list[str]:
    """The clauses of ``text`` as they are cut for a rubric naming ``subjects``."""
    answer = _analyse(text)
    frame = _frame(answer, frozenset(_subject_key(s) for s in subjects or []))
    texts = [_clause_text(frame, c) for c in range(len(frame.bounds)) if frame.bounds[c][1] >= 0]
    return [text for text in texts if text]


def _clause_text(frame: _Frame, c: int) -> str:
    first, last = frame.bounds[c]
    spans = frame.answer.spans
    return frame.answer.text[spans[first][0] : spans[last][1]].strip(" ,;:.!?\n\t")


def _subject_of(frame: _Frame, c: int, start: int, end: int) -> tuple[_Mention | None, bool]:
    """The subject of what is said at ``start``–``end`` in clause ``c``, and whether it was
    carried from a clause before."""
    here = frame.by_clause.get(c, [])
    inside = [m for m in here if start <= m.start and m.end <= end]
    if inside:
        return inside[0], False
    relative = _relative_antecedent(frame, here, start)
    if relative is not None:  # "… tromper le discriminateur, qui distingue …": the discriminator
        return relative, False
    before = [m for m in here if m.end < start and not m.governed and not m.contrasted]
    acting = [m for m in before if not m.object]  # "X rend l'attention invariante": X, not the attention
    if acting or before:
        return (acting or before)[-1], False
    after = [m for m in here if m.start > end and m.agent and not m.contrasted]
    if after:
        return after[0], False
    after = [m for m in here if m.start > end and not m.contrasted]  # the object: "on gèle les couches"
    if after:
        return after[0], False
    before = [m for m in here if m.end < start and not m.contrasted]  # "pour la détection, on …"
    if before:
        return before[-1], False
    return frame.carried[c], True


_ANTECEDENT_RELATIVES = _wordset("qui which who")


def _relative_antecedent(frame: _Frame, here: list[_Mention], start: int) -> _Mention | None:
    """The subject named just before a relative pronoun ("le discriminateur, qui …", "the
    generator, which …") that opens what is said at ``start``, with no other subject between:
    what follows "qui" is said of it, even when it is the object of the verb before."""
    words = frame.answer.words
    for mention in reversed([m for m in here if m.end < start]):
        k = mention.end + 1
        if k < start and words[k] == ",":
            k += 1
        if k < start and words[k] in _ANTECEDENT_RELATIVES:
            return mention if not mention.contrasted else None
        return None
    return None


def _next_word(answer: _Answer, j: int, last: int) -> str:
    """The first word after ``j`` (up to ``last``) that is not an article or a stop word."""
    for k in range(j + 1, last + 1):
        if answer.words[k] not in _ARTICLES and answer.words[k] not in _STOP_WORDS:
            return answer.words[k]
    return ""


def _bears(frame: _Frame, c: int, start: int, end: int, relevance: bool) -> bool:
    """Whether a negation of clause ``c`` bears on the words at ``start``–``end``: inside them,
    just before them (across the negated verb and adverbs: "ne donne pas de boîte", "does not
    satisfy the inequality"), or, for "ne … pas", "rien", "not", just after them with no verb
    between ("les variables corrélées au sexe n'y sont pour rien"); or the clause is denied
    whole by the one before ("ce n'est pas qu'elle sature")."""
    if frame.inherited[c]:
        return True
    answer = frame.answer
    first, last = frame.bounds[c]
    for j in range(first, last + 1):
        if not answer.negation[j]:
            continue
        if start <= j <= end:
            return True
        if j < start:
            between = [k for k in range(j + 1, start) if answer.stems[k] is not None]
            verbs = [k for k in between if answer.verb[k]]
            bridges = _NEGATION_BRIDGES | _RELEVANCE if relevance else _NEGATION_BRIDGES
            others = [k for k in between if not answer.verb[k] and answer.words[k] not in bridges]
            if not others and len(verbs) <= 1:
                return True
        elif _next_word(answer, j, last) in _RELEVANCE:
            if relevance:  # "… play no role", "… are not the cause", "… n'ont aucun effet"
                return True
        elif (
            answer.words[j] not in _FORWARD_NEGATIONS
            and not any(answer.verb[k] for k in range(end + 1, j))
            and not _denies_an_object(answer, j, last)
        ):
            return True
    return False


def _denies_an_object(answer: _Answer, j: int, last: int) -> bool:
    """Whether the negation at ``j`` denies an action done to something named after it ("le
    dropout ne désactive aucun neurone": the neurons are not deactivated, the dropout is there),
    not the words before it ("les variables n'y sont pour rien", "le one-hot n'est pas utile")."""
    verb = next(
        (k for k in range(j + 1, last + 1) if answer.verb[k] and answer.words[k] not in _NEGATIONS), -1
    )
    if verb < 0 or answer.words[verb] in _COPULAS:
        return False
    return any(
        answer.stems[k] is not None
        and not answer.verb[k]
        and answer.words[k] not in _NEGATION_BRIDGES | _RELEVANCE
        for k in range(verb + 1, last + 1)
    )


# --- phrasings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrasing:
    text: str
    stems: tuple[str, ...]
    words: tuple[str, ...]  # the words behind the stems
    negative: bool
    local_only: bool  # negative through "non" alone ("non-linéarité"): a clause's negation is not it
    all_words: frozenset[str]
    verb: bool  # the phrasing says what happens ("diviser par 10"), not only what
    purpose: bool = False  # "pour que le softmax sature": a goal, to be found as one


_PURPOSE_MARKS = _wordset("pour afin sert servent servir order aim goal")
_PURPOSE_STARTS = _wordset("pour afin so sert servent servir")


@lru_cache(maxsize=8192)
def _phrasing(text: str) -> _Phrasing:
    parsed = _analyse(text)
    needed: dict[str, str] = {}
    for stem, word in zip(parsed.stems, parsed.words, strict=True):
        if stem is not None and stem not in needed:
            needed[stem] = word
    by_non = bool(parsed.local) or "non" in parsed.words
    negative = any(parsed.negation) or by_non
    return _Phrasing(
        text,
        tuple(needed),
        tuple(needed.values()),
        negative,
        by_non and not any(parsed.negation),
        frozenset(parsed.words),
        any(parsed.verb),
        bool(parsed.words) and parsed.words[0] in _PURPOSE_STARTS,
    )


def _as_purpose(frame: _Frame, found: _Found) -> bool:
    """Whether ``found`` is said as a goal: "pour", "afin", "sert à", "so that" … before it in its
    clause or just before the clause. A phrasing that states a wrong purpose ("pour que le
    softmax sature") is only that when the answer gives it as a purpose: "sans division le
    softmax sature" says the opposite."""
    first = frame.bounds[found.clause][0]
    words = frame.answer.words
    return any(
        words[k] in _PURPOSE_MARKS or (words[k] == "so" and words[k + 1] in ("that", "as"))
        for k in range(max(0, first - 1), found.start + 1)
    )


@dataclass(frozen=True)
class _Found:
    """A phrasing found whole in one clause."""

    phrasing: str
    clause: int
    start: int
    end: int
    negated: bool  # the words are negated (the clause, or a "non" before them)
    polarity_ok: bool  # negated exactly when the phrasing is negative, the negation on its words
    tight: bool
    typo: bool
    ordered: bool  # the words come in the phrasing's order
    bears: bool  # a negation bears on the words themselves, not on another part of the clause
    lead: int  # where the phrasing's first word is


class _Matcher:
    """The occurrences of phrasings in one answer, for one question's subjects."""

    def __init__(self, frame: _Frame) -> None:
        self.frame = frame
        self.answer = frame.answer
        self._where: dict[tuple[str, str], dict[int, tuple[int, int, bool]]] = {}
        buckets: dict[str, set[str]] = defaultdict(set)
        for stem in self.answer.stems:  # single words only: "à jour" is no typo of "ajout"
            if stem is not None:
                buckets[stem[:2]].add(stem)
        self._buckets = buckets
        self.hedged = hedged_stretches(self.answer.words, _stretches(self.answer))

    def opposes(
        self,
        found: _Found,
        claim: frozenset[str],
        percents: frozenset[str] = frozenset(),
        figures: frozenset[tuple[str, str, str]] = frozenset(),
    ) -> bool:
        """Whether ``found``'s clause (and the verbless ones just before it in its sentence) holds
        a word opposite to one of ``claim`` (stems) instead of it, or next to it a share other
        than the idea's ``percents`` ("toujours la classe majoritaire : 1 %" for 99 %); not a word that "non" denies
        ("non-negative"), nor in a sentence that says what happens without something ("sans
        padding, les bords comptent moins")."""
        answer, frame = self.answer, self.frame
        opening = found.start
        while opening > 0 and answer.words[opening - 1] not in _SENTENCE_ENDS:
            opening -= 1
        if any(w in _COUNTERFACTUAL for w in answer.words[opening : found.start]):
            return False
        c = found.clause  # with the phrases that set its scene: "pendant l'inférence, …"
        while c > 0 and not frame.verb[c - 1] and frame.bounds[c - 1][0] >= opening:
            c -= 1
        first, last = frame.bounds[c][0], frame.bounds[found.clause][1]
        clause = frozenset(
            s
            for k, s in enumerate(answer.stems[first : last + 1], first)
            if s is not None and k not in answer.local
        )
        if opposed(clause, claim, _opposite_groups(), DIRECTIONS):
            return True
        reach = frozenset(
            s
            for k in self._reach(found, first, last)
            if (s := answer.stems[k]) is not None and k not in answer.local
        )
        if opposed(reach, claim, _opposite_groups() + _near_opposite_groups()):
            return True
        start, end = self._reach(found, first, last).start, found.end  # a share ends its part
        while end < last and not _cuts(answer.words[end + 1]):
            end += 1
        near = _percents(answer.text[answer.spans[start][0] : answer.spans[end][1] + 2])
        if percents and near and not percents & near:
            return True
        # another figure beside the same word: "de somme 10" for "de somme 1", "divise par 4"
        stems = [t for t in answer.stems[first : last + 1] if t is not None]  # its whole clause
        given = _figure_pairs(stems)
        digits = frozenset(t for t in stems if t.isdigit())
        if any(
            side == s and word == w and figure != f and f not in digits
            for side, word, figure in given
            for s, w, f in figures
        ):
            return True
        # the words right after it qualify it ("désactivé pendant l'entraînement"), whatever the
        # rest of its clause says
        after = answer.stems[found.end + 1 : min(found.end + 1 + _QUALIFIER_REACH, last + 1)]
        words = frozenset(
            s for k, s in enumerate(after, found.end + 1) if s is not None and k not in answer.local
        )
        return opposed(words, claim, _opposite_groups(), frozenset(range(len(_opposite_groups()))))

    def _reach(self, found: _Found, first: int, last: int) -> range:
        """The words next to ``found``: from its last "et" or comma on (the part of a predicate
        joined to another) or else from the start of its part of the clause, to _REACH words
        beyond it, within ``first`` .. ``last`` and never past a comma or a coordinator."""
        words = self.answer.words
        start = found.start
        for k in range(found.end, found.start, -1):
            if words[k] in _COORDINATORS or words[k] == ",":
                start = k + 1
                break
        else:
            while start > first and not _cuts(words[start - 1]):
                start -= 1
        end = found.end
        while end < last and end - found.end < _REACH and not _cuts(words[end + 1]):
            end += 1
        return range(start, end + 1)

    def where(self, stem: str, word: str) -> dict[int, tuple[int, int, bool]]:
        """Per clause, the first occurrence of ``stem`` (from ``word``): (start, end, typo)."""
        cached = self._where.get((stem, word))
        if cached is not None:
            return cached
        found: dict[int, tuple[int, int, bool]] = {}
        answer, clause = self.answer, self.frame.clause
        for i in answer.index.get(stem, ()):
            end = i + 1 if i in answer.pair_ends and answer.stems[i] != stem else i
            found.setdefault(clause[i], (i, end, False))
        if len(stem) >= 5:
            for other in self._buckets.get(stem[:2], ()):
                if other != stem and abs(len(other) - len(stem)) <= 2 and _close(stem, other):
                    for i in answer.index[other]:
                        if answer.stems[i] == other:
                            found.setdefault(clause[i], (i, i, True))
        self._where[(stem, word)] = found
        return found

    def find(self, text: str) -> list[_Found]:
        """Every clause holding the whole phrasing."""
        phrasing = _phrasing(text)
        if not phrasing.stems:
            return []
        places = [self.where(s, w) for s, w in zip(phrasing.stems, phrasing.words, strict=True)]
        common = set(places[0]).intersection(*places[1:]) if len(places) > 1 else set(places[0])
        found: list[_Found] = []
        for c in sorted(common):
            chosen = [p[c] for p in places]
            start, end = min(o[0] for o in chosen), max(o[1] for o in chosen)
            local = any(o[0] in self.answer.local for o in chosen)
            negated = self.frame.negated[c] or local
            bears = negated and (local or _bears(self.frame, c, start, end, not phrasing.negative))
            denied = self.frame.inherited[c]  # "ce n'est pas parce que …": nothing in it is claimed
            spread = self.answer.rank[end] - self.answer.rank[start] + 1
            # "ne pas ajouter d'activations non linéaires": the clause's negation denies the "non"
            polarity = (
                False
                if denied
                else local and not (self.frame.negated[c] and _bears(self.frame, c, start, end, True))
                if phrasing.local_only
                else bears
                if phrasing.negative
                else not negated
            )
            found.append(
                _Found(
                    text,
                    c,
                    start,
                    end,
                    negated,
                    polarity,
                    spread <= len(phrasing.stems) + 3,
                    any(o[2] for o in chosen),
                    all(a[0] < b[0] for a, b in pairwise(chosen)),
                    bears,
                    chosen[0][0],
                )
            )
        return found

    def near(self, text: str, prompt: frozenset[str]) -> int:
        """The phrasing's length if most of it (of several words) is in one clause, not only
        words of the prompt nor, for a phrasing of two, a word of the whole course; else 0."""
        phrasing = _phrasing(text)
        total = len(phrasing.stems)
        if total < 2:
            return 0
        counts: dict[int, set[str]] = defaultdict(set)
        for stem, word in zip(phrasing.stems, phrasing.words, strict=True):
            for c in self.where(stem, word):
                counts[c].add(stem)
        ignored = prompt | _generic_stems() if total == 2 else prompt
        close = any(
            total - 1 <= len(found) < total and len(found) >= total / 2 and found - ignored
            for found in counts.values()
        )
        return total if close else 0


@lru_cache(maxsize=1)
def _opposite_groups() -> tuple[tuple[frozenset[str], ...], ...]:
    return groups_of(OPPOSITES, _stem)


@lru_cache(maxsize=1)
def _near_opposite_groups() -> tuple[tuple[frozenset[str], ...], ...]:
    return groups_of(NEAR_OPPOSITES, _stem)


_REACH = 4  # words beyond a phrasing found that still belong to its predicate
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def _figure_pairs(stems: Sequence[str]) -> frozenset[tuple[str, str, str]]:
    """Each figure with the content word just before it and just after it: ("before", "somme",
    "1"), ("after", "sortie", "3")."""
    pairs: set[tuple[str, str, str]] = set()
    for k, stem in enumerate(stems):
        if stem.isdigit():
            if k > 0 and not stems[k - 1].isdigit():
                pairs.add(("before", stems[k - 1], stem))
            if k + 1 < len(stems) and not stems[k + 1].isdigit():
                pairs.add(("after", stems[k + 1], stem))
    return frozenset(pairs)


def _percents(text: str) -> frozenset[str]:
    """The shares written in ``text`` ("99 %" -> "99")."""
    return frozenset(m.replace(",", ".") for m in _PERCENT.findall(text))


def _cuts(word: str) -> bool:
    return word in _COORDINATORS or word in _SENTENCE_BREAKS or word == ","


# --- decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    kind: str  # a key of CONFIDENCE
    found: _Found | None = None
    phrasing: str = ""
    rival: _Found | None = None  # "doubled": where another subject is said to do it too

    @property
    def confidence(self) -> float:
        return CONFIDENCE[self.kind]


def _keys(subject: list[str]) -> frozenset[_Key]:
    return frozenset(k for k in map(_subject_key, subject) if k)


def _said_of(frame: _Frame, found: _Found, keys: frozenset[_Key], implied: bool) -> str:
    """ "stated", "carried" or "implied" when said of ``keys``; else "swapped" or "unbound"."""
    if not keys:
        return "stated"
    subject, carried = _subject_of(frame, found.clause, found.start, found.end)
    if subject is None:
        return "implied" if implied else "unbound"
    if subject.keys & keys:
        return "carried" if carried else "stated"
    return "swapped"


def _stated(matcher: _Matcher, claim: Claim) -> _Found | None:
    """Where ``claim`` is stated with its polarity and said of its subject, if it is."""
    keys = _keys(claim.subject)
    for text in claim.phrasings:
        avoided = (_AVOIDING | _LESS).isdisjoint(_phrasing(text).all_words)
        purpose = _phrasing(text).purpose
        for found in matcher.find(text):
            if not (found.polarity_ok and found.tight and found.ordered) or found.typo:
                continue
            if purpose and not _as_purpose(matcher.frame, found):
                continue
            if avoided and _avoided(matcher.frame, found):
                continue
            if _said_of(matcher.frame, found, keys, claim.implied) in ("stated", "carried", "implied"):
                return found
    return None


def _acted_by_object(frame: _Frame, found: _Found, phrasing: _Phrasing) -> bool:
    """Whether a phrasing that starts with a verb ("enlève le dropout") is found with a subject of
    the question before that verb, doing it ("le dropout supprime des neurones"): roles swapped."""
    answer = frame.answer
    head = _analyse(phrasing.text)
    starts_with_verb = bool(head.words) and (head.verb[0] or head.words[0].endswith(("er", "ir")))
    if found.lead <= found.start or not answer.verb[found.lead] or not starts_with_verb:
        return False
    return any(m.start == found.start and not m.governed for m in frame.by_clause.get(found.clause, []))


def _faulted(frame: _Frame, found: _Found) -> bool:
    """Whether the clause of a lone rubric word also finds fault with something ("trop",
    "mal", "inutile", "enlever" …): the word may be what is wrong, not what is claimed."""
    first, last = frame.bounds[found.clause]
    return any(w in _FAULTS for w in frame.answer.words[first : last + 1])


_CLEFTS = frozenset({("c", "est"), ("ce", "sont"), ("it", "is"), ("it", "was")})
_CLEFT_ENDS = _wordset("qui que qu that which who")
_CLEFT_REACH = 6  # words between "c'est" and "qui"


_DEFINITE = _wordset("le la les l the")  # "c'est une carte qui montre …" describes, it puts nothing forward
_DOERS = _wordset("modele reseau model network")  # what does anything a question asks about


@lru_cache(maxsize=1024)
def _complements(prompt: str) -> frozenset[str]:
    """The stems the prompt uses only as the complement of another noun ("la perte
    d'entraînement"), never as a thing of its own (after an article)."""
    parsed = _analyse(prompt)
    after: dict[str, set[str]] = defaultdict(set)
    for before, stem in zip(("", *parsed.words), parsed.stems, strict=False):
        if stem is not None:
            after[stem].add(before)
    return frozenset(s for s, lead in after.items() if lead <= _wordset("de d du des"))


def _done_by_complement(frame: _Frame, found: _Found, complements: frozenset[str]) -> bool:
    """Whether a one-word verb phrasing is said of nothing but what the prompt names only as a
    complement ("la validation surapprend" for "la perte de validation"): the wrong doer."""
    answer = frame.answer
    first = frame.bounds[found.clause][0]
    before = {answer.stems[k] for k in range(first, found.start)} - {None}
    return answer.verb[found.start] and bool(before) and before <= complements


def _put_forward(
    frame: _Frame, found: _Found, known: frozenset[str], own: frozenset[str], complements: frozenset[str]
) -> bool:
    """Whether ``found`` follows a cleft that puts forward something the question and the idea
    never name ("c'est l'entropie croisée qui n'est pas symétrique", "it is the bias that …"):
    the claim is said of that, not of what the question is about; or, right after the cleft's
    "qui", something the prompt names only as a complement and the phrasing found does not
    ("c'est l'entraînement qui surapprend", the prompt's "perte d'entraînement"): the claim
    made of the wrong thing."""
    words, stems = frame.answer.words, frame.answer.stems
    opening = found.start
    while opening > 0 and words[opening - 1] not in _SENTENCE_ENDS:
        opening -= 1
    for c in range(opening, found.start - 1):
        if (words[c], words[c + 1]) not in _CLEFTS or words[c + 2] not in _ARTICLES | _DETERMINERS:
            continue  # "c'est l'entropie croisée qui", not "c'est surtout parce que"
        reach = range(c + 2, min(c + 3 + _CLEFT_REACH, found.start + 1))
        end = next((q for q in reach if words[q] in _CLEFT_ENDS), c + 2)
        named = frozenset(stems[k] for k in range(c + 2, end) if stems[k] is not None)
        if not named or named & frozenset(_stem(w) for w in _DOERS):
            return False  # "c'est le modèle qui surapprend": what the question is about
        # "qui surapprend", "qui fait du surapprentissage": nothing named between "qui" and it
        doing = (
            words[c + 2] in _DEFINITE
            and words[end] in _RELATIVES
            and all(stems[k] is None or frame.answer.verb[k] for k in range(end + 1, found.start))
        )
        return not named & known or (doing and not named & own and named <= complements)
    return False


_GOALS = _wordset("pour afin")
_GOAL_LINKS = _wordset("que qu de d")


def _sought(frame: _Frame, found: _Found) -> bool:
    """Whether ``found`` is given as a goal ("pour que les neurones restent identiques", "afin de
    recopier", "so that …", "in order to …"), no verb that denies it between ("pour éviter de")."""
    answer = frame.answer
    words = answer.words
    for k in range(max(0, frame.bounds[found.clause][0] - 1), found.start):
        after = words[k + 1]
        goal = (words[k] in _GOALS and (after in _GOAL_LINKS or answer.verb[k + 1])) or (
            (words[k], after) in (("so", "that"), ("in", "order"))
        )
        if goal:
            return not any(w in _AVOIDING | _EXPLETIVE for w in words[k + 1 : found.start])
    return False


# What marks a scenario that does not happen: "sinon", "si", a conditional ("recopierait").
_HYPOTHETICAL = _COUNTERFACTUAL | _wordset("si s if unless would could might quand lorsque when faute")
_CONDITIONAL_ENDINGS = ("rait", "raient", "rais")


def _counterfactual(idea: KeyIdea, text: str) -> bool:
    """Whether phrasing ``text`` names what would happen without the thing asked about: the
    idea opens with it ("sinon le réseau pourrait recopier l'entrée"), or the phrasing's words
    all belong to the idea's tail after "sinon" ("conserver la taille, sinon elle rétrécit":
    "le padding fait rétrécir" is that failure said of the remedy)."""
    words = _words(idea.idea)
    if words and words[0] in _COUNTERFACTUAL:
        return True
    stems = frozenset(_phrasing(text).stems)
    return bool(stems) and stems <= _failure_words(idea)


def _asserted(frame: _Frame, found: _Found) -> bool:
    """Whether ``found``'s sentence states as a plain fact what the idea says would happen
    otherwise: no "sinon", "si", "sans", no conditional, no verb that avoids or stops it ("plus
    le code est petit, plus le réseau recopie l'entrée" says the opposite of the claim)."""
    answer = frame.answer
    ends = _SENTENCE_ENDS | {";"}  # "… seulement si le pas vaut 2 ; avec un pas de 1, elle rétrécit"
    first = found.start
    while first > 0 and answer.words[first - 1] not in ends:
        first -= 1
    last = found.end
    while last + 1 < len(answer.words) and answer.words[last] not in ends:
        last += 1
    stopping = _HYPOTHETICAL | _AVOIDING | _BLOCKING | _EXPLETIVE
    return not any(
        w in stopping
        or (w in _NEGATIONS and answer.negation[k])  # not the stride's "pas de 1"
        or (len(w) > 5 and w.endswith(_CONDITIONAL_ENDINGS))
        for k, w in enumerate(answer.words[first : last + 1], first)
    )


def _lent(question: ShortAnswer, frame: _Frame, evidences: list[_Evidence]) -> list[_Evidence]:
    """An idea that names no subject, stated right after another idea's subject ("les LSTM
    oublient vite" for what simple RNNs do), is that subject's: a role swap, for review."""
    out: list[_Evidence] = []
    for number, (idea, e) in enumerate(zip(question.rubric, evidences, strict=True)):
        found = e.found
        if not idea.subject and e.kind in _EARNING and found is not None:
            others = _keys([s for k, o in enumerate(question.rubric) if k != number for s in o.subject])
            own = _keys([s for claim in idea.unless_claims() for s in claim.subject])
            words = frame.answer.words
            gap = 2 if found.start > 0 and words[found.start - 1] in ("n", "ne") else 1
            if any(
                m.end == found.start - gap and m.keys & others and not m.keys & own and not m.governed
                for m in frame.by_clause.get(found.clause, [])
            ):
                e = _Evidence("swapped", found, e.phrasing)
        out.append(e)
    return out


# Verbs that already deny their object: "n'ignore pas l'ordre" knows the order, "ne désactive pas
# le dropout" keeps it.
_PRIVATIVE = _wordset(
    "ignore ignorent oublie oublient perd perdent neglige negligent manque manquent desactive desactivent "
    "supprime suppriment retire retirent enleve enlevent eteint eteignent coupe coupent"
)


def _double_negation(frame: _Frame, found: _Found) -> bool:
    """Whether a negative phrasing's negation ("pas d'ordre") is that of a verb which itself
    denies, so that the two cancel: "l'attention n'ignore pas l'ordre des jetons"."""
    words = frame.answer.words
    first = frame.bounds[found.clause][0]
    return any(
        words[k] in _PRIVATIVE and k > first and words[k - 1] in ("n", "ne")
        for k in range(first, found.start)
    )


def _unasserted(question: ShortAnswer, frame: _Frame, evidences: list[_Evidence]) -> list[_Evidence]:
    """What would go wrong otherwise, asserted as a plain fact, goes to review; not when another
    idea stated before it in its sentence is its cause ("dot products grow with d_k, which
    pushes the softmax into saturation")."""
    answer = frame.answer
    out: list[_Evidence] = []
    for idea, e in zip(question.rubric, evidences, strict=True):
        found = e.found
        if (
            e.kind in _EARNING
            and found is not None
            and _counterfactual(idea, e.phrasing)
            and _asserted(frame, found)
        ):
            here = _sentence(answer, found.start)
            caused = any(
                o.kind in _EARNING
                and o.found is not None
                and o.found.start < found.start
                and _sentence(answer, o.found.start) == here
                for o in evidences
                if o is not e
            )
            if not caused:
                e = _Evidence("asserted", found, e.phrasing)
        out.append(e)
    return out


def _failure_words(idea: KeyIdea) -> frozenset[str]:
    """The stems the idea says would come otherwise, after the remedy it names first: after its
    "sinon" ("conserver la taille, sinon elle rétrécit"); none if it has no such part, or if it
    is all of the idea (see :func:`_unasserted`)."""
    words = _words(idea.idea)
    cut = next((k for k, w in enumerate(words) if w in _COUNTERFACTUAL), 0)
    return frozenset(normalise(" ".join(words[cut + 1 :]))) if cut else frozenset()


def _blamed(
    question: ShortAnswer, frame: _Frame, evidences: list[_Evidence], prompt: frozenset[str]
) -> list[_Evidence]:
    """What the idea says would go wrong without the thing asked about, said of that thing as
    what it does ("le padding la fait rétrécir"), goes to review: the remedy made the failure."""
    answer = frame.answer
    things = prompt - _generic_stems()
    stopping = _HYPOTHETICAL | _AVOIDING | _BLOCKING | _EXPLETIVE | _NEGATIONS
    out: list[_Evidence] = []
    for idea, e in zip(question.rubric, evidences, strict=True):
        found, failure = e.found, _failure_words(idea)
        stems = frozenset(_phrasing(e.phrasing).stems) if e.phrasing else frozenset()
        if e.kind in _EARNING and found is not None and stems and stems <= failure:
            first, last = frame.bounds[found.clause]
            before = answer.stems[first : found.start]
            if things & frozenset(s for s in before if s is not None) and not any(
                w in stopping for w in answer.words[first : last + 1]
            ):
                e = _Evidence("asserted", found, e.phrasing)
        out.append(e)
    return out


def _governed_from(frame: _Frame, found: _Found) -> int:
    """Where the stretch of ``found``'s clause that may govern it starts: not before a verb of
    its own joined by et/ou ("enlever des couches et ajouter de la batch norm")."""
    first = frame.bounds[found.clause][0]
    words, verbs = frame.answer.words, frame.answer.verb
    for k in range(first + 1, found.start + 1):
        if verbs[k] and words[k - 1] in _COORDINATORS:
            first = k
    return first


def _avoided(frame: _Frame, found: _Found) -> bool:
    """Whether a verb that denies what follows ("évite", "réduit") comes before ``found`` in its
    clause, not past another verb joined to it ("enlever des couches et ajouter de la batch
    norm"), or "moins" just before it."""
    first = _governed_from(frame, found)
    words = frame.answer.words
    near = range(max(first, found.start - 2), found.start)
    return any(w in _AVOIDING for w in words[first : found.start]) or any(
        words[k] in _LESS and (k == 0 or words[k - 1] != "au")
        for k in near  # not "au moins"
    )


def _withheld(
    frame: _Frame, found: _Found, phrasing: _Phrasing, vocabulary: frozenset[str], prompt: frozenset[str]
) -> bool:
    """Whether the clause right after ``found`` (past a bare "mais") opens with "sans"/"without"
    and denies another word of the idea ("on ajoute des couches cachées, mais sans activation"
    for a hidden layer with a non-linearity): the claim is made without what it needs."""
    words, stems = frame.answer.words, frame.answer.stems
    c = found.clause + 1
    while c < len(frame.bounds) and all(
        w in _CLAUSE_OPENERS or w in _wordset("et and ,")
        for w in words[frame.bounds[c][0] : frame.bounds[c][1] + 1]
    ):
        c += 1
    if c >= len(frame.bounds) or words[frame.bounds[c][0]] not in _WITHOUT:
        return False
    first, last = frame.bounds[c]
    if any(w in _SENTENCE_ENDS for w in words[found.end : first]):
        return False
    # the noun that "sans" denies: "sans (aucune) activation", "sans aucune donnée récente", not
    # "sans s'évanouir", "sans toucher"
    noun = next((k for k in range(first + 1, last + 1) if stems[k] is not None), -1)
    others = vocabulary - frozenset(phrasing.stems) - prompt
    if noun >= 0 and words[noun - 1] in _wordset("rien nothing"):
        # "on ajoute une couche, sans rien (geler ni) remplacer": the idea's act denied
        end = noun
        while end + 1 < len(words) and not _cuts(words[end + 1]):  # past "ni", a clause of its own
            end += 1
        acts = [k for k in range(noun, end + 1) if k == noun or words[k - 1] in _wordset("ni nor")]
        if any(stems[k] in others for k in acts):
            return True
    if noun < 0 or frame.answer.verb[noun] or words[noun].endswith(("er", "ir", "ing")):
        return False
    adjective = noun + 1 if noun < last and words[noun + 1] not in _PREPOSITIONS else noun
    return stems[noun] in others or stems[adjective] in others


_HAVING = _wordset("a ont possede possedent comporte comportent contient contiennent has have contains")


def _described(frame: _Frame, found: _Found, phrasing: _Phrasing) -> bool:
    """Whether a noun phrasing is the subject of a verb of having ("la matrice de confusion a
    quatre cases", "F1 has two terms"): the answer describes the thing, it does not propose it."""
    answer = frame.answer
    first, last = frame.bounds[found.clause]
    k = found.end + 1
    if not phrasing.verb and k + 1 <= last and answer.words[k] in _DEPENDING_AFTER:
        return _depends(frame, found, k, first, last)
    words = answer.words
    if (
        not phrasing.verb
        and found.start >= first + 2
        and words[found.start - 1] in _ARTICLES
        and words[found.start - 2] in _COORDINATORS
        and any(words[j] in _DEPENDING for j in range(first, found.start))
        and not any(answer.verb[j] for j in range(found.end + 1, last + 1))
    ):
        return True  # "le rappel vaut VP/(VP+FN) et la précision VP/(VP+FP)": the verb shared
    if phrasing.verb or k + 1 > last or answer.words[k] not in _HAVING:
        return False
    if answer.text[answer.spans[k][0] : answer.spans[k][1]].lower() != answer.words[k]:
        return False  # "à chaque transaction": a preposition, not "a" (has)
    if any(answer.verb[j] for j in range(first, found.start)):
        return False  # "on utilise la matrice de confusion, qui a …": proposed, then described
    after = answer.words[k + 1]
    return after in _ARTICLES | _DETERMINERS or after in NUMBERS or after.isdigit()


_DEPENDING = _wordset("depend dependent varie varient vaut valent depends vary varies equals")
_DEPENDING_AFTER = _DEPENDING | _wordset("d de du des of")
_COMPLEMENT = 5  # words of a complement between a noun and its verb ("la précision d'un modèle de fraude")


def _depends(frame: _Frame, found: _Found, k: int, first: int, last: int) -> bool:
    """Whether a noun phrasing, past a short complement, is the subject of a verb of depending
    or of a value ("la précision d'un modèle de fraude dépend du seuil", "le rappel vaut
    VP/(VP+FN)"): described, not proposed."""
    answer = frame.answer
    if any(answer.verb[j] for j in range(first, found.start)):
        return False
    for j in range(k, min(last, k + _COMPLEMENT) + 1):
        if answer.words[j] in _DEPENDING:
            return True
        if answer.verb[j]:
            return False
    return False


def _wrong_object(frame: _Frame, found: _Found, phrasing: _Phrasing, named: frozenset[str]) -> bool:
    """Whether a one-word verb phrasing ("surveiller") is followed in its clause by an object
    that names none of ``named`` (the idea's words, the prompt's): "surveiller le CPU" for an
    idea that monitors the data and the performance is said of something else."""
    answer = frame.answer
    # a French infinitive: an English answer may name the idea's object in its own words
    if len(phrasing.stems) != 1 or not (
        answer.verb[found.start] and answer.words[found.start].endswith(("er", "ir", "re"))
    ):
        return False
    last = frame.bounds[found.clause][1]
    obj: list[str] = []
    subjects = {m.start for m in frame.by_clause.get(found.clause, [])}
    for k in range(found.end + 1, last + 1):
        if k in subjects:
            return False  # "berner le critique": a subject of the question, the idea's in other words
        word = answer.words[k]
        if (
            answer.verb[k]
            or word in _COORDINATORS | _PRONOUNS
            or word in _PREPOSITIONS - _wordset("de d du des")
        ):
            break  # "tromper le second": a pronoun stands for something named elsewhere
        stem = answer.stems[k]
        if stem is not None:
            obj.append(stem)
    return bool(obj) and named.isdisjoint(obj)


_BLOCKING = _wordset(
    "empeche empechent empecher bloque bloquent bloquer stoppe stoppent stopper interrompt interrompent "
    "prevent prevents"
)  # not "block": a 2x2 block
_FAILING = ("disparait", "sature", "explose")  # what a blocking verb may rightly stop


def _blocked(frame: _Frame, found: _Found, failures: frozenset[str], failure: bool) -> bool:
    """Whether a verb that stops something ("empêche", "bloque") stands before or between the
    phrasing's words in its clause, with no failure after it ("le raccourci empêche le gradient
    de remonter" is the opposite of the gradient passing; "… de s'évanouir" is the claim)."""
    answer = frame.answer
    first, last = _governed_from(frame, found), frame.bounds[found.clause][1]
    own = frozenset(_phrasing(found.phrasing).stems)  # "arrêt précoce" stops on purpose
    # before the phrasing too, unless the idea names a failure: stopping that is the claim
    # ("empêche le réseau de recopier l'entrée")
    stops = [
        k
        for k in range(found.start + 1 if failure else first, found.end)
        if answer.words[k] in _BLOCKING and answer.stems[k] not in own
    ]
    if not stops:
        return False
    failing = failures | frozenset(_stem(w) for w in _FAILING)
    return not any(answer.stems[k] in failing for k in range(stops[0] + 1, last + 1))


@lru_cache(maxsize=1024)
def _denied_stems(text: str) -> frozenset[str]:
    """The stems that "non" denies in ``text`` ("une non-linéarité")."""
    parsed = _analyse(text)
    return frozenset(s for k, s in enumerate(parsed.stems) if k in parsed.local and s is not None)


def _unsaid_again(frame: _Frame, found: _Found, phrasing: _Phrasing, claimed: frozenset[str]) -> bool:
    """Whether the clause also holds one of the claim's words (the phrasing's, the idea's that it
    does not deny itself) denied by "non" ("une composition de couches linéaires devient non
    linéaire"): it says the opposite of what it names."""
    answer = frame.answer
    first, last = frame.bounds[found.clause]
    own = frozenset(phrasing.stems) | claimed
    return not phrasing.negative and any(
        k in answer.local and answer.stems[k] in own for k in range(first, last + 1)
    )


def _earned_kind(frame: _Frame, found: _Found, said: str, text: str, failure: bool) -> str:
    phrasing = _phrasing(text)
    denies = (_AVOIDING | _LESS).isdisjoint(phrasing.all_words) and not phrasing.verb
    # a failure avoided ("empêche l'apprentissage de l'identité") is what the idea claims
    if denies and not (failure and not phrasing.negative) and _avoided(frame, found):
        return "denied"
    if found.typo:
        return "typo"
    if not frame.verb[found.clause]:
        return "no verb"
    if not found.tight:
        return "loose"
    return said


# Evidence that a stated confusion elsewhere in the answer makes doubtful: a lone word, a subject
# not named, carried or misspelt, a clause without a verb.
_WEAK = frozenset(("term", "implied", "carried", "typo", "no verb", "loose", "doubled", "aside", "hedged"))
_RANK = (
    *("stated", "carried", "implied", "term", "faulted", "loose"),
    *("no verb", "typo", "denied", "aside", "hedged"),
)


_OBJECT_PRONOUNS = _wordset("l le la les it them")


def _contrary(frame: _Frame, claimed: frozenset[str], prompt: frozenset[str]) -> _Found | None:
    """Where the answer moves the idea's thing the other way, unnegated: "il faut l'augmenter"
    (a pronoun for it) or "augmenter le taux" (a word of the idea, not the prompt's nor the
    whole course's) against an idea that lowers the learning rate. The idea is not earned there,
    and the answer goes to review rather than earning its other ideas unread."""
    answer = frame.answer
    things = claimed - prompt - _generic_stems()
    for number in DIRECTIONS:
        sides = _opposite_groups()[number]
        for ours, theirs in ((sides[0], sides[1]), (sides[1], sides[0])):
            if not claimed & ours or claimed & theirs:
                continue
            for k, stem in enumerate(answer.stems):
                c = frame.clause[k]
                if stem not in theirs or frame.negated[c] or k in answer.local:
                    continue
                first, last = frame.bounds[c]
                pronoun = k > 0 and answer.words[k - 1] in _OBJECT_PRONOUNS and answer.stems[k - 1] is None
                named = things - ours & frozenset(s for s in answer.stems[first : last + 1] if s is not None)
                if pronoun or named:
                    return _Found(answer.words[k], c, k, k, False, True, True, False, True, False, k)
    return None


def _decide(
    idea: KeyIdea,
    matcher: _Matcher,
    shared: frozenset[str],
    prompt: frozenset[str],
    complements: frozenset[str],
) -> _Evidence:
    """The evidence for or against one idea; words in ``shared`` (the prompt's, the other
    ideas') found alone make no near miss; ``complements``: see :func:`_complements`."""
    frame = matcher.frame
    keys = _keys(idea.subject)
    vocabulary = frozenset(s for text in idea.phrasings for s in _phrasing(text).stems)
    # what the idea says is there (not "sans ordre", "ne disparaît pas"): what "sans" may deny
    present = vocabulary - frozenset(
        s
        for text in idea.phrasings
        if _phrasing(text).negative and not _phrasing(text).local_only
        for s in _phrasing(text).stems
    )
    # the words of its affirmative phrasings: a word found only in negative ones names a failure
    affirmed = frozenset(
        s for text in idea.phrasings if not _phrasing(text).negative for s in _phrasing(text).stems
    )
    earned: list[_Evidence] = []
    against: list[_Evidence] = []  # why it is not earned, surest first
    claimed = _prompt_stems(idea.idea)
    unclaimed = _denied_stems(idea.idea)
    for text in idea.phrasings:
        for found in matcher.find(text):
            said = _said_of(frame, found, keys, idea.implied)
            if said in ("stated", "carried", "implied"):
                phrasing = _phrasing(text)
                if found.polarity_ok and phrasing.negative and _double_negation(frame, found):
                    against.append(_Evidence("negated", found, text))
                elif found.polarity_ok and matcher.hedged[found.start]:
                    earned.append(_Evidence("hedged", found, text))
                elif found.polarity_ok and matcher.opposes(
                    found,
                    claimed | frozenset(phrasing.stems),
                    _percents(idea.idea + " " + text),
                    _figure_pairs(normalise(idea.idea)) | _figure_pairs(normalise(text)),
                ):
                    against.append(_Evidence("opposed", found, text))
                elif (
                    found.polarity_ok
                    and not (idea.failure or phrasing.negative or found.negated)
                    and not _counterfactual(idea, text)
                    and _without_the_thing(frame, found, prompt)
                ):
                    against.append(_Evidence("absence", found, text))
                elif found.polarity_ok and idea.failure and not phrasing.negative and _sought(frame, found):
                    against.append(_Evidence("sought", found, text))
                elif (
                    found.polarity_ok
                    and not keys
                    and _put_forward(
                        frame, found, vocabulary | prompt, frozenset(phrasing.stems), complements
                    )
                ):
                    against.append(_Evidence("cleft", found, text))
                elif found.polarity_ok and _acted_by_object(frame, found, phrasing):
                    against.append(_Evidence("reordered", found, text))
                elif found.polarity_ok and _withheld(frame, found, phrasing, present, prompt):
                    against.append(_Evidence("withheld", found, text))
                elif found.polarity_ok and _blocked(frame, found, vocabulary - affirmed, idea.failure):
                    against.append(_Evidence("blocked", found, text))
                elif found.polarity_ok and _unsaid_again(frame, found, phrasing, claimed - unclaimed):
                    against.append(_Evidence("opposed", found, text))
                elif found.polarity_ok and not keys and _described(frame, found, phrasing):
                    against.append(_Evidence("described", found, text))
                elif found.polarity_ok:
                    kind = _earned_kind(frame, found, said, text, idea.failure)
                    if kind == "stated" and not keys and len(phrasing.stems) == 1:
                        kind = (
                            "faulted"
                            if _faulted(frame, found)
                            else "cleft"
                            if _done_by_complement(frame, found, complements)
                            else "object"
                            if _wrong_object(frame, found, phrasing, vocabulary | claimed | prompt)
                            else "term"
                        )  # one word, of nothing in particular
                    if kind in ("object", "cleft"):
                        against.append(_Evidence(kind, found, text))
                    else:
                        earned.append(_Evidence(kind, found, text))
                elif found.negated and not found.bears:
                    if phrasing.negative:  # "pas une question de saturation": not "ne sature pas"
                        against.append(_Evidence("scope", found, text))
                    else:  # the negation is on something else
                        earned.append(_Evidence("aside", found, text))
                elif found.negated:
                    against.append(_Evidence("negated", found, text))
                elif len(_phrasing(text).stems) >= 2:  # "aucune droite ne sépare" in a positive clause
                    against.append(_Evidence("opposite", found, text))
            elif found.polarity_ok:
                against.append(_Evidence(said, found, text))
    for claim in idea.unless_claims():
        opposite = _stated(matcher, claim)
        if opposite is not None:
            if earned:
                best = min(earned, key=lambda e: _RANK.index(e.kind))
                hedged = matcher.hedged[opposite.start]  # "X ou Y, je ne sais pas": nothing settled
                if best.found is not None and best.found.clause == opposite.clause and not hedged:
                    return _Evidence("overruled", opposite, opposite.phrasing)  # the confusion's own words
                return _Evidence("contradicted", best.found, best.phrasing)
            return _Evidence("unless", opposite, opposite.phrasing)
    if earned:
        best = min(earned, key=lambda e: _RANK.index(e.kind))
        rival = next((e.found for e in against if e.kind == "swapped"), None)
        if rival is not None and best.kind == "stated":
            return _Evidence("doubled", best.found, best.phrasing, rival)
        return best
    for kind in (
        "withheld",
        "blocked",
        "described",
        "object",
        "absence",
        "opposed",
        "sought",
        "asserted",
        "cleft",
        "negated",
        "swapped",
        "unbound",
        "reordered",
        "scope",
        "opposite",
    ):
        for evidence in against:
            if evidence.kind == kind:
                return evidence
    contrary = _contrary(frame, claimed, prompt)
    if contrary is not None:
        return _Evidence("opposed", contrary, contrary.phrasing)
    nearest = max(((matcher.near(text, shared), text) for text in idea.phrasings), default=(0, ""))
    if nearest[0]:
        return _Evidence("partial" if nearest[0] >= 3 else "partial2", None, nearest[1])
    return _Evidence("absent")


_REASONS = {
    "stated": "stated in one clause",
    "carried": "stated, its subject carried from the clause before",
    "term": "one rubric word in a clause with a verb",
    "faulted": "one rubric word in a clause that finds fault (trop, mal, enlever …)",
    "implied": "stated, no subject named (the prompt's)",
    "loose": "its words spread over the clause",
    "doubled": "stated, but said of another subject too (role swap?)",
    "typo": "matched through a typo",
    "no verb": "in a clause without a verb",
    "contradicted": "stated, but a listed confusion is stated too: the confusion wins",
    "overruled": "stated in the very clause of a listed confusion: its words are the confusion's",
    "denied": "after a verb that denies it (évite, réduit, moins de …)",
    "absent": "nothing close",
    "unless": "a listed confusion is stated",
    "negated": "stated in a negated clause",
    "aside": "stated in a clause negated elsewhere (the negation bears on other words)",
    "scope": "a negative phrasing, but the clause's negation bears on other words",
    "mixed": "weak evidence (one word, no subject named, a typo …) and a listed confusion elsewhere",
    "reordered": "a subject of the question does what the phrasing does to it (roles swapped?)",
    "withheld": 'stated, then "sans" denies another word of the idea (made without what it needs?)',
    "hedged": "stated in a sentence that hedges or asks (peut-être, je ne sais pas, ?)",
    "opposed": "its clause says the opposite of a word of the idea (négatif for positif …)",
    "sought": "what goes wrong, given as a goal (pour que …)",
    "asserted": "what would go wrong otherwise, asserted as a plain fact (no sinon, si, conditional)",
    "cleft": "said of something else that the answer puts forward (c'est X qui …)",
    "blocked": "a verb that stops something stands between its words (empêche … de remonter)",
    "described": "a noun described by a verb of having (a quatre cases), not proposed",
    "object": "a one-word verb phrasing whose object the idea does not name (surveiller le CPU)",
    "absence": "what the thing asked about does, said of its absence (sans padding … garde la taille)",
    "shared": "its words all belong to another idea stated in the same clause",
    "swapped": "said of another subject (role swap?)",
    "unbound": "said of no subject",
    "partial": "part of a phrasing",
    "partial2": "one word of a two-word phrasing",
    "opposite": "a negative phrasing without its negation",
    "keywords": "the answer has no verb: a list of words states nothing",
    "list": "a bare list of short items, without a verb: it claims nothing",
    "outweighed": "a few of its words only, in an answer that states a listed confusion",
}
_PREFIX = {
    "unless": "unless: ",
    "overruled": "unless: ",
    "negated": "negated: ",
    "swapped": "swapped: ",
    "unbound": "unbound: ",
    "partial": "partial: ",
    "partial2": "partial: ",
    "opposite": "opposite: ",
    "scope": "scope: ",
    "reordered": "reordered: ",
    "withheld": "withheld: ",
    "hedged": "hedged: ",
    "opposed": "opposed: ",
    "sought": "sought: ",
    "asserted": "asserted: ",
    "cleft": "cleft: ",
    "blocked": "blocked: ",
    "described": "described: ",
    "object": "object: ",
    "absence": "absence: ",
    "keywords": "keywords: ",
    "list": "keywords: ",
    "outweighed": "outweighed: ",
}
_EARNING = frozenset(
    (
        "stated",
        "carried",
        "implied",
        "term",
        "faulted",
        "loose",
        "doubled",
        "typo",
        "no verb",
        "denied",
        "aside",
        "mixed",
        "hedged",
    )
)
# Doubtful evidence that earns nothing; beside a stated confusion the answer is surely wrong on that idea.
# A contradiction stays out: it may be a right claim the student takes back.
_OUTWEIGHED = frozenset(
    (
        "partial",
        "partial2",
        "opposite",
        "opposed",
        "swapped",
        "reordered",
        "scope",
        "asserted",
        "cleft",
        "sought",
        "unbound",
        "withheld",
        "blocked",
        "described",
        "object",
        "absence",
        "shared",
    )
)


def _idea_decision(idea: KeyIdea, evidence: _Evidence, frame: _Frame, cap: float) -> IdeaDecision:
    clause = _clause_text(frame, evidence.found.clause) if evidence.found is not None else ""
    matched = f"{_PREFIX.get(evidence.kind, '')}{evidence.phrasing}" if evidence.phrasing else ""
    return IdeaDecision(
        idea=idea.idea,
        points=idea.points if evidence.kind in _EARNING else 0.0,
        max_points=idea.points,
        matched=matched,
        confidence=min(cap, evidence.confidence),
        clause=clause,
        reason=_REASONS[evidence.kind],
    )


_CONTRASTING = _wordset("mais tandis but whereas however cependant pourtant revanche contre while")


def _sentence(answer: _Answer, i: int) -> int:
    """The number of the stretch of the answer that word ``i`` belongs to: sentences, cut again
    where a contrast opens ("mais", "alors que", "but" …): what is set against a wrong claim is
    not said with it."""
    words = answer.words[:i]
    return sum(
        w in _SENTENCE_ENDS
        or w in _CONTRASTING
        or (w == "alors" and k + 1 < len(words) and words[k + 1] in ("que", "qu"))
        for k, w in enumerate(words)
    )


def _stretches(answer: _Answer) -> list[int]:
    """For each word, the number of its stretch: sentences cut again at ";" and where a contrast
    opens; a word that ends one belongs to it."""
    numbers: list[int] = []
    current = 0
    words = answer.words
    for k, word in enumerate(words):
        if word in _CONTRASTING or (word == "alors" and k + 1 < len(words) and words[k + 1] in ("que", "qu")):
            current += 1
        numbers.append(current)
        if word in _SENTENCE_ENDS or word == ";":
            current += 1
    return numbers


_COMPARING = _wordset("meme memes plus moins autant same more less")


def _puts_forward(answer: _Answer) -> bool:
    """Whether the answer puts a definite noun phrase forward ("c'est la couche dense qui
    applique le même filtre", "ce sont les décisions futures qui biaisent …"): the form a role
    swap takes, which the matcher reads reliably only for the subjects it knows."""
    words = answer.words
    for c in range(len(words) - 3):
        if (words[c], words[c + 1]) not in _CLEFTS or words[c + 2] not in _DEFINITE:
            continue
        reach = range(c + 3, min(c + 4 + _CLEFT_REACH, len(words)))
        end = next((q for q in reach if words[q] in _CLEFT_ENDS or not words[q][0].isalnum()), None)
        if end is None or words[end] not in _CLEFT_ENDS:
            continue  # "c'est le softmax, qui …": an apposition, not a cleft
        if _COMPARING & set(words[c + 3 : end]):
            continue  # "c'est le même principe que le JPEG": a comparison
        return True
    return False


def _confused_sentences(question: ShortAnswer, matcher: _Matcher) -> frozenset[int]:
    """The sentences where a listed confusion of the question is stated: an idea found in one of
    them is said beside a wrong claim ("le padding sert à réduire la taille … et à traiter les
    bords"), and may belong to it; such an answer is worth a look."""
    found = (_stated(matcher, claim) for idea in question.rubric for claim in idea.unless_claims())
    return frozenset(_sentence(matcher.frame.answer, f.start) for f in found if f is not None)


def _settled(evidence: _Evidence, evidences: list[_Evidence]) -> _Evidence:
    """A claim said of another subject too is in doubt, unless that other clause states another
    idea of the question: "le discriminateur dit si une image est vraie ou fausse" names fake
    images while saying what the discriminator does, it does not say that it makes them."""
    rival = evidence.rival
    if evidence.kind != "doubled" or rival is None:
        return evidence
    if any(o.kind == "stated" and o.found is not None and o.found.clause == rival.clause for o in evidences):
        return _Evidence("stated", evidence.found, evidence.phrasing)
    return evidence


def _positions(matcher: _Matcher, text: str, clause: int) -> frozenset[int]:
    """Where the words of phrasing ``text`` are in ``clause``."""
    phrasing = _phrasing(text)
    places = [matcher.where(s, w).get(clause) for s, w in zip(phrasing.stems, phrasing.words, strict=True)]
    return frozenset(p[0] for p in places if p is not None)


def _unshared(
    question: ShortAnswer, matcher: _Matcher, evidences: list[_Evidence], prompt: frozenset[str]
) -> list[_Evidence]:
    """An idea earned only by words that another idea's phrasings take in the same clause, the
    prompt's words aside ("une fuite de données du futur … et le test devient trop optimiste"
    earns the leak, not "tester sur le futur"), and found in no other clause, is those words'
    other claim: in doubt, not earned."""
    earning = [e.kind in _EARNING and e.found is not None for e in evidences]
    if sum(earning) < 2:
        return evidences
    # each idea's phrasings found with their polarity: (clause, where their words are)
    places = [
        [
            (f.clause, _positions(matcher, text, f.clause))
            for text in idea.phrasings
            for f in matcher.find(text)
            if f.polarity_ok
        ]
        for idea in question.rubric
    ]
    result = list(evidences)
    stems = matcher.answer.stems
    for number, evidence in enumerate(evidences):
        found = evidence.found
        if not earning[number] or found is None:
            continue
        clause = found.clause
        taken = [frozenset().union(*(p for c, p in found_ if c == clause)) for found_ in places]
        mine = frozenset(k for k in taken[number] if stems[k] not in prompt)
        elsewhere = any(c != clause for c, _ in places[number])
        for other in range(len(question.rubric)):
            if other == number or not earning[other]:
                continue
            if mine and mine <= taken[other] and not taken[other] <= taken[number]:
                if not elsewhere:
                    result[number] = _Evidence("shared", found, evidence.phrasing)
                break
    return result


@lru_cache(maxsize=1024)
def _prompt_stems(prompt: str) -> frozenset[str]:
    return frozenset(normalise(prompt))


def _question_keys(question: ShortAnswer) -> frozenset[_Key]:
    subjects = [s for idea in question.rubric for s in idea.subject]
    subjects += [s for idea in question.rubric for claim in idea.unless_claims() for s in claim.subject]
    return _keys(subjects)


def grade_short(question: ShortAnswer, answer: str) -> ShortDecision:
    """Grade ``answer`` against the question's rubric; an empty answer scores 0 for sure."""
    if not answer.strip():
        ideas = tuple(IdeaDecision(k.idea, 0.0, k.points, "", 1.0, "", "no answer") for k in question.rubric)
        return ShortDecision(0.0, question.points, 1.0, ideas)
    parsed = _analyse(answer)
    frame = _frame(parsed, _question_keys(question))
    matcher = _Matcher(frame)
    content = sum(stem is not None for stem in parsed.stems)
    prompt = _prompt_stems(question.prompt)
    complements = _complements(question.prompt)
    verbless = not _states(parsed)
    bare = verbless and _bare_list(parsed)
    short = content < _SHORT_WORDS and not bare  # a list of two words is a list all the same
    cap = _OFF_LENGTH if short or content > _LONG_WORDS else 1.0
    stems = [
        frozenset(s for text in idea.phrasings for s in _phrasing(text).stems) for idea in question.rubric
    ]
    evidences: list[_Evidence] = []
    for number, idea in enumerate(question.rubric):
        shared = prompt.union(*(other for k, other in enumerate(stems) if k != number))
        evidence = _decide(idea, matcher, shared, prompt, complements)
        if verbless and evidence.kind != "absent":
            evidence = _Evidence("list" if bare else "keywords", evidence.found, evidence.phrasing)
        evidences.append(evidence)
    evidences = [_settled(e, evidences) for e in evidences]
    evidences = _unshared(question, matcher, evidences, prompt)
    evidences = _unasserted(question, frame, evidences)
    evidences = _blamed(question, frame, evidences, prompt)
    evidences = _lent(question, frame, evidences)
    if any(e.kind in ("unless", "contradicted", "overruled") for e in evidences):
        tainted = _confused_sentences(question, matcher)
        evidences = [
            _Evidence("mixed", e.found, e.phrasing)
            if e.kind in _WEAK
            or (e.kind in _EARNING and e.found is not None and _sentence(parsed, e.found.start) in tainted)
            else e
            for e in evidences
        ]
    if any(e.kind == "unless" for e in evidences):
        evidences = [
            _Evidence("outweighed", e.found, e.phrasing) if e.kind in _OUTWEIGHED else e for e in evidences
        ]
    decided = [
        _idea_decision(idea, e, frame, cap) for idea, e in zip(question.rubric, evidences, strict=True)
    ]
    ideas = tuple(decided)
    confidence = min(d.confidence for d in ideas)
    note = ""
    if verbless:
        confidence = min(confidence, CONFIDENCE["list" if bare else "keywords"])
        note = _REASONS["list" if bare else "keywords"]
    elif cap < 1:
        note = f"fewer than {_SHORT_WORDS} or more than {_LONG_WORDS} content words: worth a look"
    if content >= _WORDY and any(e.kind == "absent" for e in evidences):
        # a long answer may say the idea it misses in words of its own
        confidence = min(confidence, _OFF_LENGTH)
        note = note or f"{_WORDY} content words or more, and an idea found nowhere: worth a look"
    if any(d.points for d in ideas) and takes_back(parsed.words):
        confidence = min(confidence, CONFIDENCE["hedged"])
        note = "the answer takes a claim back (en fait non, ou l'inverse …): worth a look"
    if any(d.points for d in ideas) and _puts_forward(parsed):
        confidence = min(confidence, CONFIDENCE["cleft"])
        note = "the answer puts something forward (c'est X qui …), the form of a role swap: worth a look"
    if any(d.points for d in ideas) and fed_excess(parsed.words):
        confidence = min(confidence, CONFIDENCE["contradicted"])
        note = "an excess (trop grand …) and a remedy that feeds it (augmenter …): worth a look"
    return ShortDecision(
        score=sum(d.points for d in ideas),
        max_score=question.points,
        confidence=confidence,
        ideas=ideas,
        note=note,
    )
