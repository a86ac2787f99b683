using static TorchSharp.torch;

namespace Cltool.Trainer.Optim;

/// <summary>
/// The one optimisation step every training loop and training benchmark runs: zero the gradients, the batch's loss,
/// backward, global-norm clipping when asked, the optimizer's update. Benchmarks time exactly what training does.
/// </summary>
public sealed class TrainingStep(IOptimizer optimizer, IReadOnlyList<Tensor> parameters, double gradientClip = 0)
{
    /// <summary>Runs one step with the loss <paramref name="loss"/> builds; every intermediate tensor is freed. Returns the loss.</summary>
    public double Run(Func<Tensor> loss, double learningRate)
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        Tensor value = loss();
        value.backward();
        if (gradientClip > 0) GradientClipping.ClipNorm_(parameters, gradientClip);
        optimizer.Step(learningRate);
        return value.item<float>();
    }
}
