using Cltool.Core.Continual;

namespace Cltool.Core.Adapters.Directions;

/// <summary>What SD-LoRA-KD did after one task: how many of its modules (block × q|v) were absorbed, and the fits' residuals.</summary>
public sealed record AbsorptionReport(int Task, int Modules, int Absorbed, double MinResidual, double MedianResidual, double MaxResidual) : IMethodReport
{
    public static AbsorptionReport Of(int task, IReadOnlyList<ModuleFit> fits)
    {
        double[] residuals = fits.Select(f => f.Residual).Order().ToArray();
        return new AbsorptionReport(task, fits.Count, fits.Count(f => f.Absorbed), residuals[0], (residuals[(residuals.Length - 1) / 2] + residuals[residuals.Length / 2]) / 2, residuals[^1]);
    }

    public string Describe() =>
        $"kd: absorbed {Absorbed} of {Modules} modules of task {Task + 1}'s direction (residual min {MinResidual:F4}, median {MedianResidual:F4}, max {MaxResidual:F4})";
}
