# Classic bug: the ROC curve walks the examples one by one in sorted order, so tied scores are not grouped.
def auroc(scores_in, scores_out):
    scores = np.concatenate([scores_in, scores_out])
    positive = np.concatenate([np.ones(scores_in.size), np.zeros(scores_out.size)])
    order = np.argsort(-scores, kind="stable")
    tpr = np.concatenate([[0.0], np.cumsum(positive[order]) / scores_in.size])
    fpr = np.concatenate([[0.0], np.cumsum(1 - positive[order]) / scores_out.size])
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))
