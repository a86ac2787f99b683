using Cltool.Core.Continual;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>What the learner needs of any method's adapter: its trainable tensors, its size, and its checkpoint form.</summary>
public interface IContinualAdapter : IQkvAdapter, IDisposable
{
    /// <summary>The trainable tensors by checkpoint name (the optimizer's state is keyed by these names).</summary>
    IEnumerable<(string Name, Tensor Parameter)> TrainableParameters();

    /// <summary>The numbers a checkpoint stores for the adapter after a finished task.</summary>
    long StoredParameters();

    /// <summary>The low-rank width one forward computes per adapted projection (for FLOP counts).</summary>
    int ForwardRank { get; }

    /// <summary><paramref name="checkpoint"/> with this adapter's state in it.</summary>
    ContinualCheckpoint StoreIn(ContinualCheckpoint checkpoint);
}
