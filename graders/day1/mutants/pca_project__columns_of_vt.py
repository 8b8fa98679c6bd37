# Classic bug: the columns of Vt taken as the principal directions instead of its rows.
def pca_project(H, k=2):
    centred = H - H.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ Vt[:, :k]
