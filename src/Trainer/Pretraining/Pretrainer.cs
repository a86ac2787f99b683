using System.Diagnostics;
using System.Text.Json;
using Cltool.Core;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using Cltool.Trainer.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Pretraining;

/// <summary>
/// Supervised pretraining of all ViT weights: AdamW (no decay on biases, norms and embeddings, as timm), linear
/// warm-up then cosine per step, gradient clipping, optional label smoothing. After every
/// epoch it evaluates on the held-out split and writes an atomic checkpoint (weights, optimizer moments, epoch, the
/// learning curve so far), so a kill loses at most one epoch; `resume` continues from it and, since data order and
/// augmentation depend only on (seed, epoch, index), ends with the same weights. Resumed with more epochs than the
/// checkpoint's recipe, a finished or stopped run is continued (<see cref="PretrainRecipe.EarlierPlans"/>).
/// </summary>
public sealed class Pretrainer(PretrainRecipe recipe, string outputDirectory, ITrainingObserver observer, int workers = 2)
{
    public const string CheckpointFormat = "cltool.pretrain-checkpoint";
    public const int CheckpointVersion = 2;
    static readonly FileFormat CheckpointHeader = new(CheckpointFormat, CheckpointVersion, "cltool pretraining checkpoint");

    string CheckpointPath => Path.Combine(outputDirectory, "checkpoint.safetensors");
    public string ModelPath => Path.Combine(outputDirectory, "model.safetensors");
    public string CardPath => ModelCard.PathFor(ModelPath);

    public ModelCard Run(bool resume, DeviceKind deviceKind = DeviceKind.Auto, CancellationToken cancellation = default)
    {
        Device device = TorchDevices.Resolve(deviceKind, observer.Message);
        IImageDataset train = DatasetCatalog.Open(recipe.Data, DatasetSplit.Train);
        IImageDataset test = DatasetCatalog.Open(recipe.Data, DatasetSplit.Test);
        ViTConfig config = ViTConfig.Preset(recipe.Model).WithClasses(train.ClassNames.Count);
        Preprocessing preprocessing = Preprocessing.Native(config.ImageSize);
        Directory.CreateDirectory(outputDirectory);
        // The primary-constructor recipe is what every step below reads: a continued run's is its checkpoint's, extended.
        if (resume && File.Exists(CheckpointPath)) recipe = RecipeToResume();

        random.manual_seed(recipe.Seed);
        using var model = new VisionTransformer(config);
        model.to(device);
        using AdamW optimizer = CreateOptimizer(model);
        int stepsPerEpoch = train.Count / recipe.BatchSize;
        int firstEpoch = resume ? LoadCheckpoint(model, optimizer, config) : 0;

        var augmentation = new Augmentation(recipe.MinCropScale);
        var trainLoader = new BatchLoader(train, Enumerable.Range(0, train.Count).ToArray(),
            (image, rng) => Transforms.Train(image, preprocessing, augmentation, train.FlipInvariant, rng), recipe.BatchSize, workers);
        var testLoader = new BatchLoader(test, Enumerable.Range(0, test.Count).ToArray(),
            (image, _) => Transforms.Eval(image, preprocessing), 256, workers);

        var clock = Stopwatch.StartNew();
        List<PretrainingEpoch> curve = firstEpoch > 0 ? LoadCurve() : [];
        double secondsBefore = curve.Count > 0 ? curve[^1].Seconds : 0;
        for (int epoch = firstEpoch; epoch < recipe.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var schedule = new WarmupCosine(recipe.LearningRate, (long)(recipe.WarmupEpochs * stepsPerEpoch), (long)recipe.PlannedEpochsAt(epoch) * stepsPerEpoch);
            double meanLoss = TrainEpoch(model, optimizer, schedule, trainLoader, epoch, stepsPerEpoch, device, cancellation);
            double accuracy = Evaluation.Accuracy(model, testLoader, device);
            curve.Add(new PretrainingEpoch(epoch + 1, (long)(epoch + 1) * stepsPerEpoch * recipe.BatchSize, Math.Round(meanLoss, 4),
                accuracy, Math.Round(secondsBefore + clock.Elapsed.TotalSeconds, 1)));
            SaveCheckpoint(model, optimizer, config, epoch + 1, curve);
            observer.EpochFinished(epoch, meanLoss, accuracy, clock.Elapsed.TotalSeconds);
        }
        return WriteModel(model, config, preprocessing, train.ClassNames, curve, test.Count);
    }

    double TrainEpoch(VisionTransformer model, AdamW optimizer, WarmupCosine schedule, BatchLoader loader, int epoch, int steps,
                      Device device, CancellationToken cancellation)
    {
        model.train();
        observer.EpochStarted(epoch, recipe.Epochs, steps);
        var trainingStep = new TrainingStep(optimizer, model.parameters().ToArray(), recipe.GradientClip);
        double totalLoss = 0;
        int step = 0;
        var clock = Stopwatch.StartNew();
        foreach (Batch batch in loader.Epoch(recipe.Seed, epoch, shuffle: true, dropLast: true, cancellation))
        {
            double learningRate = schedule.At((long)epoch * steps + step);
            double loss = trainingStep.Run(() => nn.functional.cross_entropy(model.forward(batch.Pixels(model.Config.ImageSize, device)),
                tensor(batch.Labels).to(device), label_smoothing: recipe.LabelSmoothing), learningRate);
            totalLoss += loss;
            step++;
            observer.StepFinished(epoch, step, steps, loss, learningRate, step * recipe.BatchSize / clock.Elapsed.TotalSeconds);
        }
        return totalLoss / Math.Max(1, step);
    }

    AdamW CreateOptimizer(VisionTransformer model)
    {
        // timm's param_groups_weight_decay: no decay for 1-d tensors (biases, norms) and the embeddings.
        var named = AdamW.Named(model);
        bool Decays((string Name, Tensor Parameter) p) => p.Parameter.dim() > 1 && p.Name is not ("pos_embed" or "cls_token");
        return new AdamW([
            new AdamW.Group(named.Where(Decays).ToList(), recipe.WeightDecay),
            new AdamW.Group(named.Where(p => !Decays(p)).ToList(), 0),
        ]);
    }

    void SaveCheckpoint(VisionTransformer model, AdamW optimizer, ViTConfig config, int completedEpochs, List<PretrainingEpoch> curve)
    {
        var writer = new SafeTensorsWriter();
        CheckpointHeader.WriteTo(writer);
        writer.Metadata["completed_epochs"] = completedEpochs.ToString();
        writer.Metadata["optimizer_steps"] = optimizer.Steps.ToString();
        writer.Metadata["config"] = JsonSerializer.Serialize(config, CltoolJson.Options);
        writer.Metadata["recipe"] = JsonSerializer.Serialize(recipe, CltoolJson.Options);
        writer.Metadata["curve"] = CltoolJson.SerializeCompact(curve);
        foreach ((string name, HostTensor tensor) in model.ExportWeights()) writer.Add("model." + name, tensor.Data, tensor.Shape);
        foreach ((string name, Tensor value) in optimizer.State())
        {
            HostTensor host = HostTensors.From(value);
            writer.Add("optimizer." + name, host.Data, host.Shape);
        }
        writer.Save(CheckpointPath);
    }

    int LoadCheckpoint(VisionTransformer model, AdamW optimizer, ViTConfig config)
    {
        if (!File.Exists(CheckpointPath))
        {
            observer.Message($"no checkpoint in {outputDirectory}; starting from scratch");
            return 0;
        }
        using SafeTensorsFile file = SafeTensorsFile.Open(CheckpointPath);
        CheckpointHeader.Check(file);
        // Every header value through the format's reader, before anything is loaded: a damaged file is one line naming
        // the file and the key.
        long steps = CheckpointHeader.Read<long>(file, "optimizer_steps");
        int completed = CheckpointHeader.Read<int>(file, "completed_epochs");
        var weights = config.ExpectedTensors().ToDictionary(t => t.Name, t => new HostTensor(file.ReadFloats("model." + t.Name), t.Shape));
        model.LoadWeights(weights);
        Device device = model.parameters().First().device;
        optimizer.LoadState(name => tensor(file.ReadFloats("optimizer." + name), file["optimizer." + name].Shape).to(device), steps);
        observer.Message($"resumed from {CheckpointPath} after epoch {completed}");
        return completed;
    }

    /// <summary>
    /// The checkpoint's recipe when this one asks for the same run, or that recipe continued to this one's epochs. Earlier
    /// plans are compared out: a command line does not repeat how a run was continued before.
    /// </summary>
    PretrainRecipe RecipeToResume()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(CheckpointPath);
        CheckpointHeader.Check(file);
        var saved = CheckpointHeader.Read<PretrainRecipe>(file, "recipe");
        int completed = CheckpointHeader.Read<int>(file, "completed_epochs");
        if (!(saved with { Epochs = recipe.Epochs, EarlierPlans = [] }).SameAs(recipe with { EarlierPlans = [] }))
            throw new CltoolException($"'{CheckpointPath}' was made with another recipe ({JsonSerializer.Serialize(saved, CltoolJson.Options)}); " +
                                      "resume with the same options (a larger --epochs continues the run) or use another --out.");
        if (recipe.Epochs == saved.Epochs) return saved;
        if (recipe.Epochs <= completed)
            throw new CltoolException($"'{CheckpointPath}' has {completed} epochs done; --epochs {recipe.Epochs} adds none (give more than {completed}).");
        PretrainRecipe continued = saved.ContinuedTo(recipe.Epochs, completed);
        observer.Message($"continuing {completed} epochs of a {saved.Epochs}-epoch plan to {recipe.Epochs}: from epoch {completed + 1} the " +
                         $"learning rate follows the warm-up and cosine planned over {recipe.Epochs} epochs");
        return continued;
    }

    List<PretrainingEpoch> LoadCurve()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(CheckpointPath);
        return CltoolJson.Deserialize<List<PretrainingEpoch>>(file.Metadata.GetValueOrDefault("curve") ?? "[]", "checkpoint curve");
    }

    ModelCard WriteModel(VisionTransformer model, ViTConfig config, Preprocessing preprocessing, IReadOnlyList<string> classes,
                         List<PretrainingEpoch> curve, int heldOut)
    {
        new ModelFile(config, preprocessing, classes, model.ExportWeights()).Save(ModelPath,
            new Dictionary<string, string> { ["recipe"] = JsonSerializer.Serialize(recipe, CltoolJson.Options) });
        TorchReport torchReport = TorchEnvironment.Probe();
        var card = new ModelCard(ModelCard.CardFormat, Path.GetFileName(ModelPath), FileHash.Sha256(ModelPath), new FileInfo(ModelPath).Length,
            config.ParameterCount(), config, preprocessing, recipe.Data, classes.Count, curve[^1].HeldOutAccuracy, heldOut, curve[^1].Seconds,
            JsonSerializer.SerializeToElement(recipe, CltoolJson.Options),
            $"cltool {typeof(Pretrainer).Assembly.GetName().Version?.ToString(3)} pretrain",
            $"libtorch {torchReport.LibTorchVersion}, {torchReport.Threads} threads, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            curve);
        card.Save(CardPath);
        return card;
    }
}
