namespace Cltool.Core.Continual;

/// <summary>
/// How the stored class statistics follow the backbone before classifier alignment samples them
/// (../shared/reference/drift-compensation.md). Both estimate the move from the current task's training images embedded
/// before and after the task trained; the deployed model is unchanged, only the head's training samples move.
/// </summary>
public static class DriftCompensations
{
    /// <summary>The statistics as measured when their task ended (SLCA).</summary>
    public const string None = "none";
    /// <summary>SDC (Yu et al. 2020): each old mean moves by a Gaussian-weighted average of the current samples' drifts; covariances stay.</summary>
    public const string MeanShift = "mean-shift";
    /// <summary>LDC/SLDC: an affine map z_new ≈ P·z_old + b fitted by ridge least squares moves means and covariances.</summary>
    public const string Linear = "linear";

    public static readonly string[] All = [None, MeanShift, Linear];

    /// <summary>
    /// Mean shift's bandwidth σ as a multiple of the median distance between the current samples (before the task) and the
    /// old class means. Chosen by the sweep in docs/results/drift-compensation (statistics error at the last stage).
    /// </summary>
    public const double DefaultBandwidth = 0.25;

    /// <summary>The linear map's ridge λ as a multiple of the mean eigenvalue of the current samples' second-moment matrix; chosen by the same sweep.</summary>
    public const double DefaultRidge = 0.01;
}
