// Every number passed to libtorch is an explicit Scalar that outlives the call; see Cltool.Trainer.Native.Scalars.

namespace Cltool.Trainer.Optim;

/// <summary>Linear warm-up to the peak, then cosine decay to <c>minimum</c>; evaluated per optimisation step.</summary>
public sealed record WarmupCosine(double Peak, long WarmupSteps, long TotalSteps, double Minimum = 1e-6)
{
    public double At(long step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Minimum + (Peak - Minimum) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
    }
}
