# Classic bug: the mean row is not subtracted before the decomposition.
def pca_project(H, k=2):
    _, _, Vt = np.linalg.svd(H, full_matrices=False)
    return H @ Vt[:k].T
