# Classic bug: the left singular vectors (unit-norm scores) instead of the projections U S.
def pca_project(H, k=2):
    centred = H - H.mean(axis=0)
    U, _, _ = np.linalg.svd(centred, full_matrices=False)
    return U[:, :k]
