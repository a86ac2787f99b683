namespace Cltool.Core.Adapters.Directions;

/// <summary>
/// One module's (block, q = 0 | v = 1) least-squares fit of the newest direction by the earlier ones: its residual
/// ‖u_t − Σ β_k u_k‖_F, every u the direction scaled to unit Frobenius norm (Eq. 7's overline), whether that is within
/// τ, and what absorbing adds to each earlier direction's magnitude offset in this module (0 where it has none there).
/// </summary>
public sealed record ModuleFit(int Block, int Projection, double Residual, bool Absorbed, double[] OffsetDeltas);
