namespace Cltool.Trainer.Continual;

/// <summary>
/// How far one task's class means moved between the end of that task and a later stage: per class, ‖μ_now − μ_then‖ /
/// ‖μ_then‖ and cos(μ_now, μ_then); and per compensation the run scores (none first), the error of the statistics
/// alignment samples at that stage, ‖μ_now − μ_stored‖ / ‖μ_now‖.
/// </summary>
public sealed record TaskDrift(int Task, double[] Relative, double[] Cosine, IReadOnlyDictionary<string, double[]> Errors)
{
    public double MeanRelative => Relative.Average();
    public double MaxRelative => Relative.Max();
    public double MeanCosine => Cosine.Average();
}
