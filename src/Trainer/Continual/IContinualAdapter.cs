using Cltool.Core.Adapters;
using Cltool.Core.Continual;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>What the learner needs of any method's adapter: its trainable tensors, its numbers by group, and its checkpoint form.</summary>
public interface IContinualAdapter : IQkvAdapter, IDisposable
{
    /// <summary>The trainable tensors by checkpoint name (the optimizer's state is keyed by these names).</summary>
    IEnumerable<(string Name, Tensor Parameter)> TrainableParameters();

    /// <summary>
    /// The adapter's numbers by group (<see cref="ParameterGroups.Adapter"/>) as a checkpoint stores them; trainable are
    /// those <paramref name="trains"/> says the optimiser updates.
    /// </summary>
    IEnumerable<ParameterGroup> CountParameters(Func<Tensor, bool> trains);

    /// <summary>The low-rank width one forward computes per adapted projection (for FLOP counts).</summary>
    int ForwardRank { get; }

    /// <summary>The adapter as its family's checkpoint state; null before it holds anything (a direction family's first task start).</summary>
    IAdapterState? State();
}
