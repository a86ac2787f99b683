namespace Cltool.Trainer.Continual;

/// <summary>
/// How far one task's class means moved between the end of that task and a later stage: per class, ‖μ_now − μ_then‖ /
/// ‖μ_then‖ and cos(μ_now, μ_then).
/// </summary>
public sealed record TaskDrift(int Task, double[] Relative, double[] Cosine)
{
    public double MeanRelative => Relative.Average();
    public double MaxRelative => Relative.Max();
    public double MeanCosine => Cosine.Average();
}
