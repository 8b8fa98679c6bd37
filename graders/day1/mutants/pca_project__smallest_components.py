# Classic bug: eigh sorts eigenvalues in ascending order; the first k are the smallest.
def pca_project(H, k=2):
    centred = H - H.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred / len(H))
    return centred @ vectors[:, :k]
