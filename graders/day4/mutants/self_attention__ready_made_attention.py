# Rule broken: torch's scaled_dot_product_attention computes Y (refused on the source).
def self_attention(X, W_q, W_k, W_v, mask=None):
    Q, K, V = X @ W_q.T, X @ W_k.T, X @ W_v.T
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    visible = None if mask is None else ~mask
    return torch.nn.functional.scaled_dot_product_attention(Q, K, V, attn_mask=visible), torch.softmax(scores, -1)
