using System.Diagnostics;
using Cltool.Core.Data;
using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Trainer.Models;
using Cltool.Trainer.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Pretraining;

/// <summary>Measures, one after the other in the same process, the data pipeline alone and the training step alone.</summary>
public static class ThroughputBenchmark
{
    public static ThroughputResult Run(string data, string preset, int batchSize, int workers, int batches, Device device)
    {
        IImageDataset dataset = DatasetCatalog.Open(data, DatasetSplit.Train);
        ViTConfig config = ViTConfig.Preset(preset).WithClasses(dataset.ClassNames.Count);
        Preprocessing preprocessing = Preprocessing.Native(config.ImageSize);
        var augmentation = new Augmentation(0.6);
        var loader = new BatchLoader(dataset, Enumerable.Range(0, dataset.Count).ToArray(),
            (image, rng) => Transforms.Train(image, preprocessing, augmentation, dataset.FlipInvariant, rng), batchSize, workers);

        Batch? sample = null;
        var clock = Stopwatch.StartNew();
        int images = 0;
        foreach (Batch batch in loader.Epoch(0, 0, shuffle: true, dropLast: true).Take(batches))
        {
            sample ??= batch;
            images += batch.Count;
        }
        double pipeline = images / clock.Elapsed.TotalSeconds;

        random.manual_seed(0);
        using var model = new VisionTransformer(config);
        model.to(device);
        model.train();
        var recipe = new PretrainRecipe();   // pretraining's defaults: decay, clipping, smoothing
        using var optimizer = new AdamW([AdamW.Group.All(model, recipe.WeightDecay)]);
        var trainingStep = new TrainingStep(optimizer, model.parameters().ToArray(), recipe.GradientClip);
        using var input = sample!.Pixels(config.ImageSize, device);
        using var labels = tensor(sample!.Labels).to(device);
        int steps = Math.Max(3, batches / 4);
        double trainer = 0;
        for (int step = -1; step < steps; step++) // step -1 warms up
        {
            if (step == 0) clock.Restart();
            trainingStep.Run(() => nn.functional.cross_entropy(model.forward(input), labels, label_smoothing: recipe.LabelSmoothing), 1e-4);
        }
        trainer = steps * sample.Count / clock.Elapsed.TotalSeconds;
        return new ThroughputResult(data, preset, batchSize, workers, Math.Round(pipeline, 1), Math.Round(trainer, 1));
    }
}
