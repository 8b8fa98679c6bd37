# Classic bug: the out-of-distribution examples are taken as the positive class.
def auroc(scores_in, scores_out):
    below = (scores_out[:, None] > scores_in[None, :]).sum()
    ties = (scores_out[:, None] == scores_in[None, :]).sum()
    return float((below + 0.5 * ties) / (scores_in.size * scores_out.size))
