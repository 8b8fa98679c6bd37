# Classic bug: a tie counts as a win (>=) instead of one half.
def auroc(scores_in, scores_out):
    wins = (scores_in[:, None] >= scores_out[None, :]).sum()
    return float(wins / (scores_in.size * scores_out.size))
