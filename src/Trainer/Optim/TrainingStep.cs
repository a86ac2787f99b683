using System.Diagnostics;
using static TorchSharp.torch;

namespace Cltool.Trainer.Optim;

/// <summary>
/// The one optimisation step every training loop and training benchmark runs: zero the gradients, the batch's loss,
/// backward, global-norm clipping when asked, the optimizer's update. Benchmarks time exactly what training does.
/// </summary>
public sealed class TrainingStep(IOptimizer optimizer, IReadOnlyList<Tensor> parameters, double gradientClip = 0)
{
    /// <summary>
    /// Runs one step with the loss <paramref name="loss"/> builds; every intermediate tensor is freed. Returns the loss.
    /// When <paramref name="phases"/> is given, the wall time of the step's phases is added to it (CPU ops are
    /// synchronous, so a clock between them is exact).
    /// </summary>
    public double Run(Func<Tensor> loss, double learningRate, StepPhases? phases = null)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        optimizer.ZeroGrad();
        Tensor value = loss();
        long forward = Stopwatch.GetTimestamp();
        value.backward();
        long backward = Stopwatch.GetTimestamp();
        if (gradientClip > 0) GradientClipping.ClipNorm_(parameters, gradientClip);
        optimizer.Step(learningRate);
        float result = value.item<float>();
        phases?.Add(Stopwatch.GetElapsedTime(start, forward), Stopwatch.GetElapsedTime(forward, backward), Stopwatch.GetElapsedTime(backward));
        return result;
    }
}
