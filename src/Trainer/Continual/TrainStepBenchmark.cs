using System.Diagnostics;
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

    public static StepMeasurement Measure(string method, ViTConfig config, int directions, int rank, int batchSize, int steps, double matmulGflops, Device device)
    {
        using var vit = new VisionTransformer(config.WithClasses(0));
        bool lora = method != "full-ft";
        using var model = new ContinualModel(config, vit.ExportWeights(), lora, device);
        using var generator = new Generator(1, CPU);
        model.GrowHead(10, generator);
        if (lora)
        {
            for (int i = 0; i < directions; i++)
            {
                if (i > 0) model.Adapter!.FreezeCurrent(DirectionNorm.FactorProduct);
                model.Adapter!.StartDirection(rank, generator);
            }
            model.Adapter!.SetMagnitudes(Enumerable.Repeat(0.8, directions).ToArray(), trainable: true);
        }
        model.TrainBackbone(!lora);
        var parameters = (lora ? model.HeadParameters().Concat(model.Adapter!.TrainableParameters()) : model.BackboneParameters().Concat(model.HeadParameters())).ToList();
        using var optimizer = new Sgd(parameters, 0.9, 0);
        using Tensor images = randn(batchSize, 3, config.ImageSize, config.ImageSize).to(device);
        using Tensor labels = randint(0, 2, [batchSize]).to(device);
        model.Train();

        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor loss = nn.functional.cross_entropy(model.Forward(images).narrow(1, 8, 2), labels);
            loss.backward();
            optimizer.Step(1e-3);
        }

        for (int i = 0; i < 2; i++) Step();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        double imagesPerSecond = (double)batchSize * steps / clock.Elapsed.TotalSeconds;
        double forward = ForwardFlops(config, lora ? directions * rank : 0);
        double perImage = (lora ? 2 : 3) * forward / 1e9;
        return new StepMeasurement(method, lora ? directions : 0, batchSize, imagesPerSecond, perImage, perImage * imagesPerSecond, matmulGflops);
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
