"""Words that students use for one another in short answers, French and English.

Each line is a family of words that say the same thing in the course's
answers (inflections aside: the matcher stems them). The matcher reduces
every word of a family to the family's first word, so that a rubric phrasing
written once ("la variance augmente avec la dimension") also reads its
paraphrases ("variance grows with the size"). A family holds words of one
meaning only: a word that means two things in the course ("passe": passes,
past) is left out, and so are words whose stem is another word's ("génère"
and "générateur" share one, so the verb stays apart).
"""

from __future__ import annotations

__all__ = ["FAMILIES", "GENERIC", "NUMBERS", "STOP_WORDS"]

FAMILIES: tuple[str, ...] = (
    # what changes, and how
    "augmente augmenter augmentent augmentation croit croissent croitre croissance increase increases "
    "increased increasing grow grows grew grown growing rise rises rising hausse",
    "diminue diminuer diminuent diminution baisse baisser baissent decroit decroissent decrease "
    "decreases decreased reduce reduces reduced reduit reduire reduisent reduction lower lowers lowered "
    "shrink shrinks shrank shrinking shrunk",
    "petit petite petits petites faible faibles minuscule minuscules infime small smaller tiny",
    "grand grande grands grandes gros grosse grosses eleve elevee eleves elevees enorme enormes large "
    "larger big bigger huge high higher",
    "ajoute ajouter ajoutent ajout addition additionne additionner additionnent add adds added adding",
    "garde garder gardent conserve conserver conservent preserve preserver preservent maintient "
    "maintenir maintiennent keep keeps kept preserves preserved retain retains maintain maintains",
    "supprime supprimer suppriment retire retirer retirent enleve enlever enlevent elimine eliminer "
    "eliminent remove removes removed delete deletes",
    "remplace remplacer remplacent substitue substituer replace replaces replaced",
    "reproduit reproduire reproduisent imite imiter imitent copie copier copient recopie recopier "
    "recopient reproduce reproduces mimic mimics copy copies copied",
    "compresse compresser compressent compression compressee comprime comprimer compriment compact "
    "compacte condense condensee resume resumer compress compresses compressed",
    "disparait disparaissent disparaitre evanouit evanouissent evanouir vanish vanishes vanished "
    "estompe estomper estompent amenuise amenuiser amenuisent "
    "disappear disappears disappeared",
    "sature saturer saturent saturation saturate saturates saturated saturating",
    "surveille surveiller surveillent surveillance monitor monitors monitoring monitored",
    "reentraine reentrainer reentrainent reentrainement retrain retrains retrained retraining "
    "reapprendre reapprend",
    "gele geler gelent gel freeze freezes frozen fige figer figent",
    "desactive desactiver desactivent disable disables disabled deactivate deactivates",
    "tromper trompe trompent duper dupe dupent berner leurrer fool fools fooling",
    "distingue distinguer distinguent differencier differencie discerner distinguish distinguishes",
    "partage partager partagent shared share shares sharing reutilise reutiliser reutilisent reuse "
    "reuses reused",
    "predit predire predisent prediction predictions predict predicts predicted",
    "apprend apprendre apprennent learn learns learned learnt",
    "entraine entrainer entrainent entrainement train trains trained training",
    "controle controler controlent regule reguler regulent control controls controlled",
    "arret arrete arreter arretent stop stops stopping",
    "produit produire produisent fabrique fabriquer fabriquent cree creer creent generate generates "
    "generated produce produces produced create creates created",
    # things
    "taille tailles dimension dimensions size sizes",
    "sortie sorties output outputs",
    "entree entrees input inputs",
    "couche couches layer layers",
    "poids weight weights",
    "filtre filtres noyau noyaux kernel kernels filter filters",
    "donnees data",
    "distribution distributions repartition",
    "ordre order ordering",
    "mot mots jeton jetons token tokens word words",
    "vecteur vecteurs vector vectors",
    "bruit bruite bruitee bruites bruitees noise noisy",
    "faux fausse fausses fake fakes synthetique synthetiques artificiel artificielle artificiels "
    "artificielles factice factices",
    "vrai vraie vrais vraies reel reelle reels reelles real authentique authentiques genuine",
    "aleatoire aleatoires aleatoirement hasard random randomly stochastique",
    "identique identiques pareil pareils same identical",
    "voisinage voisins voisin neighbourhood neighborhood neighbours neighbors",
    "fuite fuites leak leaks leakage leaked",
    "futur future avenir",
    "chronologique chronologiquement chronological chronologically",
    "recent recente recents recentes fresh",
    "symetrie symetrique symetriques symmetry symmetric",
    "derivee derivees derivative derivatives pente pentes slope slopes",
    "carte cartes map maps",
    "chaleur heat",
    "zone zones region regions endroit endroits area areas",
    "correle correlee correles correlees correlation correlated",
    "biais bias biases biased biaise biaisee biaises biaisees",
    "historique historiques historical history",
    "identite identity",
    "essentiel essentielle essentiels essentielles important importante importants importantes utile "
    "utiles pertinent pertinente pertinents pertinentes essential useful relevant",
    "raccourci raccourcis shortcut shortcuts",
    "direct directe directs directement directly",
    "residu residus residual residuel residuelle",
    "porte portes gate gates",
    "cellule cellules cell cells",
    "memoire memory",
    "oubli oublie oublier oublient forget forgets forgetting",
    "bord bords border borders edge edges peripherie",
    "centre center milieu middle",
    "zero zeros nul nulle nuls nulles null",
    "maximum max maximal maximale maximaux",
    "invariance invariant invariante invariants robuste robustes robustesse robust robustness "
    "insensible insensibles insensibilite",
    "translation translations decalage decalages shift shifts deplacement deplacements",
    "categorie categories category modalite modalites",
    "probabilite probabilites proba probas probability probabilities",
    "somme sum sums",
    "precision precisions",
    "rappel recall sensibilite",
    "ancien ancienne anciens anciennes vieux vieille vieilles obsolete obsoletes old older outdated stale",
    "rapide rapides vite fast faster quick quickly",
    "lent lente lents lentes lentement slow slower slowly",
    "majoritaire majority",
    "toujours always",
    "composition compose composee composees composer",
    "lineaire lineaires linear",
    "etiquette etiquettes label labels",
    "classe classes class",
    "objet objets object objects",
    "masque masques mask masks",
    "boite boites box boxes",
    "modele modeles model models",
    "perte pertes loss losses",
    "erreur erreurs error errors",
    "taux rate rates",
    "lot lots batch batches minibatch",
    "epoque epoques epoch epochs",
    "exemple exemples example examples echantillon echantillons sample samples",
    "neurone neurones neuron neurons",
    "chemin chemins path paths",
    "representation representations",
    "dependance dependances dependency dependencies",
    "fonction fonctions function functions",
    "matrice matrices matrix",
    "surapprentissage surapprend surapprendre overfitting overfit overfits surajustement",
    "regularisation regularization",
    "precoce early",
    "deterministe deterministes deterministic",
)

# Number words read as digits: "divisée par deux" is "divisée par 2".
NUMBERS: dict[str, str] = {
    "deux": "2",
    "two": "2",
    "trois": "3",
    "three": "3",
    "quatre": "4",
    "four": "4",
    "dix": "10",
    "ten": "10",
    "moitie": "2",
    "half": "2",
    "halves": "2",
    "halved": "2",
}

# English words as empty as the French stop words.
STOP_WORDS = "each every all any some very extremely just also into onto there"

# Nouns found in answers to almost every question of the course: one of them alone, out of a
# phrasing of two, is no sign that the idea was meant (verbs are: "garder" the size).
GENERIC = (
    "modele reseau couche poids image donnees gradient sortie entree valeur neurone classe lot trop "
    "taille actif fonction calcul erreur perte score"
)
