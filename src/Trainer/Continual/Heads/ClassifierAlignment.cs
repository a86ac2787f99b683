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
    /// The heads after alignment at task <paramref name="task"/>, each trained on the same samples (ca and ca-restore differ
    /// only in their starting rows, so they share the sampling); <paramref name="statistics"/> holds tasks 0..task in order.
    /// </summary>
    public static LinearHead[] Align(IReadOnlyList<LinearHead> heads, IReadOnlyList<ClassStatistics> statistics, IReadOnlyList<int> taskSizes, int task, int seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        var parameters = heads.Select(head => (Weight: tensor(head.Weight.Data, head.Weight.Shape).requires_grad_(true),
                                               Bias: tensor(head.Bias.Data, head.Bias.Shape).requires_grad_(true))).ToArray();
        Sgd[] optimizers = parameters.Select(p => new Sgd([("weight", p.Weight), ("bias", p.Bias)], Momentum, WeightDecay)).ToArray();
        int[] sizes = taskSizes.Take(task + 1).ToArray();
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            double learningRate = LearningRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / Epochs));
            using var epochScope = NewDisposeScope();
            (Tensor samples, Tensor targets) = Sample(statistics, task, generator);
            Tensor order = randperm(samples.shape[0], generator: generator);
            for (long start = 0; start < samples.shape[0]; start += BatchSize)
            {
                using var stepScope = NewDisposeScope();
                Tensor batch = order.narrow(0, start, Math.Min(BatchSize, samples.shape[0] - start));
                Tensor inputs = samples.index_select(0, batch), labels = targets.index_select(0, batch);
                for (int h = 0; h < parameters.Length; h++)
                {
                    optimizers[h].ZeroGrad();
                    Tensor logits = nn.functional.linear(inputs, parameters[h].Weight, parameters[h].Bias);
                    nn.functional.cross_entropy(NormalizeLogits(logits, sizes, Temperature), labels).backward();
                    optimizers[h].Step(learningRate);
                }
            }
        }
        foreach (Sgd optimizer in optimizers) optimizer.Dispose();
        return parameters.Select(p => new LinearHead(HostTensors.From(p.Weight), HostTensors.From(p.Bias))).ToArray();
    }

    /// <summary>
    /// SLCA's logit normalisation: each sample's logits divided by the mean, over tasks, of the L2 norm of that task's
    /// logits (+1e-7), then by the temperature; so no task wins by the scale of its logits alone.
    /// </summary>
    public static Tensor NormalizeLogits(Tensor logits, IReadOnlyList<int> taskSizes, double temperature)
    {
        var norms = new List<Tensor>();
        long start = 0;
        foreach (int size in taskSizes)
        {
            norms.Add(logits.narrow(1, start, size).norm(1, keepdim: true).add(NormFloor, Scalars.One));
            start += size;
        }
        using Scalar divideBy = temperature.ToScalar();
        return logits.div(cat(norms, 1).mean([1], keepdim: true)).div(divideBy);
    }

    /// <summary>
    /// <see cref="SamplesPerClass"/> features of every seen class, in class order, from N(s_c·μ_c, Σ_c) with
    /// s_c = 0.9 + 0.1·(t_c + 1)/(t + 1): the older the class's task t_c, the more its mean shrinks (slca.py:200-207).
    /// One batched draw per task (Cholesky factor, noise, product): a few hundred ops per alignment, not a few per class.
    /// </summary>
    static (Tensor Samples, Tensor Targets) Sample(IReadOnlyList<ClassStatistics> statistics, int task, Generator generator)
    {
        var samples = new List<Tensor>();
        for (int t = 0; t <= task; t++)
        {
            ClassStatistics stats = statistics[t];
            using Scalar shrink = (0.9 + 0.1 * (t + 1) / (task + 1)).ToScalar();
            Tensor means = tensor(stats.Means.Data, stats.Means.Shape).to(float64).mul(shrink).unsqueeze(1);
            Tensor covariances = tensor(stats.Covariances.Data, stats.Covariances.Shape).to(float64);
            Tensor noise = randn([stats.Classes, SamplesPerClass, stats.Dim], dtype: float64, generator: generator);
            Tensor spread = stats.Covariance == CovarianceKinds.Full
                ? noise.bmm(linalg.cholesky(covariances).transpose(1, 2))
                : noise * covariances.sqrt().unsqueeze(1);
            samples.Add(means.add(spread, Scalars.One).reshape(stats.Classes * SamplesPerClass, stats.Dim).to(float32));
        }
        int seen = statistics.Take(task + 1).Sum(s => s.Classes);
        return (cat(samples, 0), arange(seen, dtype: int64).repeat_interleave(SamplesPerClass));
    }
}
