using Cltool.Core.Continual;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using Cltool.Trainer.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual.Heads;

/// <summary>
/// Classifier alignment as SLCA does it (GengDavid/SLCA, models/slca.py): with the backbone out of the loop, retrain every
/// head row and bias on features sampled from each seen class's stored Gaussian, older classes' means shrunk, with logit
/// normalisation. Runs on the CPU in float32 (the head is small), deterministic from its seed.
/// </summary>
public static class ClassifierAlignment
{
    // SLCA's settings (exps/slca/*.json, slca.py:175-242): 5 epochs of 256 samples per class, batches of 256,
    // SGD lr 0.01 momentum 0.9 weight decay 5e-4 with a per-epoch cosine schedule, logits normalised at τ = 0.1.
    public const int Epochs = 5, SamplesPerClass = 256, BatchSize = 256;
    public const double LearningRate = 0.01, Momentum = 0.9, WeightDecay = 5e-4, Temperature = 0.1;
    static readonly Scalar NormFloor = 1e-7.ToScalar();   // rooted: see Scalars

    /// <summary>
    /// The heads after alignment at task <paramref name="task"/>: head h trains on features sampled from
    /// <paramref name="statistics"/>[<paramref name="groupOf"/>[h]] (each group holds tasks 0..task in order; ca and ca-restore
    /// share a group, each drift compensation has its own). Every group is sampled from the same standard normal noise, so
    /// groups differ by their statistics alone. The heads train as one stacked tensor [heads, classes, dim]: one batched
    /// matmul, one loss and one optimiser step per batch for all of them (each head's gradient is its own loss's, as when
    /// they trained one after the other). A step on tensors this small costs its operator count, not its arithmetic, so
    /// the step is written in few operators.
    /// </summary>
    public static LinearHead[] Align(IReadOnlyList<LinearHead> heads, IReadOnlyList<int> groupOf, IReadOnlyList<IReadOnlyList<ClassStatistics>> statistics,
                                     IReadOnlyList<int> taskSizes, int task, int seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        Tensor weight = stack(heads.Select(head => tensor(head.Weight.Data, head.Weight.Shape))).requires_grad_(true);
        Tensor bias = stack(heads.Select(head => tensor(head.Bias.Data, head.Bias.Shape))).unsqueeze(1).requires_grad_(true);
        using var optimizer = new Sgd([("weight", weight), ("bias", bias)], Momentum, WeightDecay);
        Tensor membership = TaskMembership(taskSizes.Take(task + 1).ToArray());
        Tensor groupIndex = tensor(groupOf.Select(g => (long)g).ToArray());
        Tensor[][] spreads = statistics.Select(group => group.Take(task + 1).Select(SpreadFactor).ToArray()).ToArray();
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            double learningRate = LearningRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / Epochs));
            using var epochScope = NewDisposeScope();
            (Tensor samples, Tensor targets) = Sample(statistics, spreads, task, generator);
            Tensor order = randperm(targets.shape[0], generator: generator);
            for (long start = 0; start < targets.shape[0]; start += BatchSize)
            {
                using var stepScope = NewDisposeScope();
                Tensor batch = order.narrow(0, start, Math.Min(BatchSize, targets.shape[0] - start));
                Tensor inputs = samples.index_select(1, batch).index_select(0, groupIndex), labels = targets.index_select(0, batch);
                optimizer.ZeroGrad();
                Tensor logits = NormalizeLogits(inputs.bmm(weight.transpose(1, 2)).add(bias, Scalars.One), membership, Temperature);
                // Σ over heads of each head's mean cross-entropy: the gradient each head gets is exactly its own loss's.
                using Scalar perHead = (1.0 / labels.shape[0]).ToScalar();
                nn.functional.cross_entropy(logits.flatten(0, 1), labels.repeat(heads.Count), reduction: nn.Reduction.Sum).mul(perHead).backward();
                optimizer.Step(learningRate);
            }
        }
        return Enumerable.Range(0, heads.Count)
            .Select(h => new LinearHead(HostTensors.From(weight[h]), HostTensors.From(bias[h].squeeze(0)))).ToArray();
    }

    /// <summary>Which task each logit belongs to: [classes, tasks], 1 where class c is one of task t's.</summary>
    public static Tensor TaskMembership(IReadOnlyList<int> taskSizes)
    {
        var membership = new float[taskSizes.Sum() * taskSizes.Count];
        int row = 0;
        for (int t = 0; t < taskSizes.Count; t++)
            for (int c = 0; c < taskSizes[t]; c++, row++) membership[row * taskSizes.Count + t] = 1;
        return tensor(membership, [taskSizes.Sum(), taskSizes.Count]);
    }

    /// <summary>
    /// SLCA's logit normalisation: each sample's logits divided by the mean, over tasks, of the L2 norm of that task's
    /// logits (+1e-7), then by the temperature; so no task wins by the scale of its logits alone. The per-task norms are
    /// one matmul of the squared logits with <paramref name="membership"/> (<see cref="TaskMembership"/>), for any
    /// leading dimensions.
    /// </summary>
    public static Tensor NormalizeLogits(Tensor logits, Tensor membership, double temperature)
    {
        Tensor norms = logits.pow(Scalars.Two).matmul(membership).sqrt().add(NormFloor, Scalars.One);
        using Scalar divideBy = temperature.ToScalar();
        return logits.div(norms.mean([-1], keepdim: true)).div(divideBy);
    }

    /// <summary>What turns standard normal noise into a class's spread: the Cholesky factor of each covariance (full), or the standard deviations (diag).</summary>
    static Tensor SpreadFactor(ClassStatistics stats)
    {
        Tensor covariances = HostTensors.Wide(stats.Covariances);
        return stats.Covariance == CovarianceKinds.Full ? linalg.cholesky(covariances).transpose(1, 2) : covariances.sqrt().unsqueeze(1);
    }

    /// <summary>
    /// <see cref="SamplesPerClass"/> features of every seen class of every group [groups, samples, dim], in class order, from
    /// N(s_c·μ_c, Σ_c) with s_c = 0.9 + 0.1·(t_c + 1)/(t + 1): the older the class's task t_c, the more its mean shrinks
    /// (slca.py:200-207). One batched draw per task, shared by the groups (noise times each group's spread factors, built
    /// once per alignment): a few ops per task and group.
    /// </summary>
    static (Tensor Samples, Tensor Targets) Sample(IReadOnlyList<IReadOnlyList<ClassStatistics>> statistics, Tensor[][] spreads, int task, Generator generator)
    {
        var samples = statistics.Select(_ => new List<Tensor>()).ToArray();
        for (int t = 0; t <= task; t++)
        {
            ClassStatistics shape = statistics[0][t];
            using Scalar shrink = (0.9 + 0.1 * (t + 1) / (task + 1)).ToScalar();
            Tensor noise = randn([shape.Classes, SamplesPerClass, shape.Dim], dtype: float64, generator: generator);
            for (int g = 0; g < statistics.Count; g++)
            {
                ClassStatistics stats = statistics[g][t];
                Tensor means = HostTensors.Wide(stats.Means).mul(shrink).unsqueeze(1);
                Tensor spread = stats.Covariance == CovarianceKinds.Full ? noise.bmm(spreads[g][t]) : noise * spreads[g][t];
                samples[g].Add(means.add(spread, Scalars.One).reshape(stats.Classes * SamplesPerClass, stats.Dim).to(float32));
            }
        }
        int seen = statistics[0].Take(task + 1).Sum(s => s.Classes);
        return (stack(samples.Select(group => cat(group, 0))), arange(seen, dtype: int64).repeat_interleave(SamplesPerClass));
    }
}
