# Classic bug: softmax over the wrong axis (columns sum to 1 instead of rows).
def self_attention(X, W_q, W_k, W_v, mask=None):
    Q, K, V = X @ W_q.T, X @ W_k.T, X @ W_v.T
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-2)
    return weights @ V, weights
