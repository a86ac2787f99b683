using System.Diagnostics;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Trainer.Models;
using Cltool.Trainer.Optim;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>One measured training step configuration.</summary>
public sealed record StepMeasurement(string Method, int Directions, int BatchSize, double ImagesPerSecond, double GflopPerImage, double Gflops, double MatmulGflops)
{
    /// <summary>Achieved FLOP rate of the whole step over the rate of a plain matmul measured in the same run.</summary>
    public double Utilisation => Gflops / MatmulGflops;
}

/// <summary>
/// The learner's training step (forward, masked loss, backward, SGD) timed on random images, next to a matmul of the
/// model's own MLP shape timed in the same run. FLOPs are counted analytically (a multiply-add is 2 FLOPs): the forward
/// pass's matmuls and attention; a step is forward + backward = 2 forwards when the backbone is frozen (gradients
/// w.r.t. activations only, plus the LoRA factors' own) and 3 forwards for full fine-tuning (weight gradients too).
/// </summary>
public static class TrainStepBenchmark
{
    public static double MatmulGflops(ViTConfig config, int batchSize, int repeats = 20)
    {
        using var scope = NewDisposeScope();
        Tensor a = randn(batchSize * config.Tokens, config.Dim), b = randn(config.Dim, config.MlpHidden);
        for (int i = 0; i < 3; i++) a.matmul(b).Dispose();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) a.matmul(b).Dispose();
        return 2.0 * batchSize * config.Tokens * config.Dim * config.MlpHidden * repeats / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>
    /// The learner's own step for <paramref name="method"/> after <paramref name="directions"/> tasks: the method prepares
    /// every task as the learner does (head growth, directions frozen, magnitudes), trains exactly its trainable set, and
    /// the step is the learner's (new-class cross-entropy, SGD).
    /// </summary>
    public static StepMeasurement Measure(string method, ViTConfig config, int directions, int rank, int batchSize, int steps, double matmulGflops, Device device)
    {
        var recipe = new TrainRecipe { Method = method, Rank = rank, InitClasses = 2, Increment = 2 };
        var continual = ContinualMethod.For(recipe);
        using var vit = new VisionTransformer(config.WithClasses(0));
        using var model = new ContinualModel(config, vit.ExportWeights(), continual.CreateAdapter(ContinualModel.ShapeOf(config), device), device);
        bool adapted = model.Adapter is not null;
        int tasks = adapted ? directions : 1;
        for (int task = 0; task < tasks; task++)
        {
            using var generator = new Generator((ulong)task + 1, CPU);
            model.GrowHead(recipe.Increment, generator);
            continual.BeginTask(task, model, generator);
            if (task < tasks - 1) continual.EndTask(task, model, () => throw new InvalidOperationException("bench train measures no class means."));
        }
        var parameters = continual.Trainable(model).ToList();
        using var optimizer = new Sgd(parameters, recipe.Momentum, recipe.WeightDecay);
        var step = new TrainingStep(optimizer, parameters.Select(p => p.Parameter).ToArray());
        using Tensor images = randn(batchSize, 3, config.ImageSize, config.ImageSize).to(device);
        using Tensor labels = randint(0, recipe.Increment, [batchSize]).to(device);
        int known = model.SeenClasses - recipe.Increment;
        model.Train();

        for (int i = 0; i < 2; i++) step.Run(() => model.NewClassLoss(images, labels, known, recipe.Increment), 1e-3);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) step.Run(() => model.NewClassLoss(images, labels, known, recipe.Increment), 1e-3);
        double imagesPerSecond = (double)batchSize * steps / clock.Elapsed.TotalSeconds;
        int stored = (model.Adapter as LoraQkvAdapter)?.Count ?? 0;
        double forward = ForwardFlops(config, model.Adapter?.ForwardRank ?? 0);
        double perImage = (adapted ? 2 : 3) * forward / 1e9;
        return new StepMeasurement(method, stored, batchSize, imagesPerSecond, perImage, perImage * imagesPerSecond, matmulGflops);
    }

    /// <summary>Forward FLOPs of one image: patch embedding, per block qkv + attention + projection + MLP (+ LoRA of total rank R on q and v).</summary>
    public static double ForwardFlops(ViTConfig config, int loraRank)
    {
        double n = config.Tokens, d = config.Dim, patches = n - 1;
        double patchEmbed = 2 * patches * config.Channels * config.PatchSize * config.PatchSize * d;
        double block = 2 * n * d * 3 * d + 2 * 2 * n * n * d + 2 * n * d * d + 2 * 2 * n * d * config.MlpHidden + 2 * 2 * 2 * n * d * loraRank;
        return patchEmbed + config.Depth * block;
    }
}
