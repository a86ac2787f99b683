using static TorchSharp.torch;

namespace Cltool.Trainer.Optim;

/// <summary>An optimizer whose whole state is named tensors, so that it goes into a checkpoint and comes back bit for bit.</summary>
public interface IOptimizer : IDisposable
{
    long Steps { get; }
    void ZeroGrad();
    void Step(double learningRate);
    /// <summary>The state tensors by name, for checkpoints.</summary>
    IEnumerable<(string Name, Tensor Value)> State();
    /// <summary>Restores the state; <paramref name="read"/> returns null for a tensor the checkpoint does not have.</summary>
    void LoadState(Func<string, Tensor?> read, long steps);
}
