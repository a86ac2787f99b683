using System.Text;
using Cltool.Core.Data;
using Cltool.Core.Models;
using Cltool.Core.Reports;
using Cltool.Trainer.Models;
using TorchSharp;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// The three-way transfer table of `cltool bench probe`: a base model's frozen class token, a randomly initialised ViT
/// of the same shape, and raw pixels, on each dataset, each with the same linear probe and prototype classifier.
/// </summary>
public static class TransferBenchmark
{
    public const string DefaultData = "fashion-mnist,glyphs:proxy";
    public const string Base = "base (class token)", RandomViT = "random ViT (class token)", RawPixels = "raw pixels";

    public static IReadOnlyList<ProbeResult> Run(string modelPath, IReadOnlyList<string> datasets, int trainImages, int testImages, int seed,
                                                 torch.Device device, Action<string> progress)
    {
        ModelFile file = ModelFile.Load(modelPath, withHead: false);
        using var pretrained = new VisionTransformer(file.Config);
        pretrained.LoadWeights(file.Weights);
        torch.random.manual_seed(seed);
        using var random = new VisionTransformer(file.Config);
        pretrained.to(device);
        random.to(device);
        (string Name, TransferProbe.Representation Features)[] representations =
        [
            (Base, TransferProbe.ClassToken(pretrained)), (RandomViT, TransferProbe.ClassToken(random)),
            (RawPixels, TransferProbe.Pixels),
        ];
        var results = new List<ProbeResult>();
        foreach (string dataset in datasets)
        {
            IImageDataset train = DatasetCatalog.Open(dataset, DatasetSplit.Train), test = DatasetCatalog.Open(dataset, DatasetSplit.Test);
            int[] trainIndices = Spread(train.Count, trainImages), testIndices = Spread(test.Count, testImages);
            foreach ((string name, TransferProbe.Representation features) in representations)
            {
                progress($"probing {name} on {dataset} ({trainIndices.Length} train / {testIndices.Length} test images) ...");
                results.Add(TransferProbe.Run(dataset, name, features, train, test, trainIndices, testIndices, file.Preprocessing, device));
            }
        }
        return results;
    }

    /// <summary>Per dataset: the base's gain over raw pixels and over a random ViT, for both classifiers.</summary>
    public static IEnumerable<string> Verdicts(IReadOnlyList<ProbeResult> results)
    {
        foreach (IGrouping<string, ProbeResult> dataset in results.GroupBy(r => r.Dataset))
        {
            ProbeResult based = dataset.Single(r => r.Representation == Base), pixels = dataset.Single(r => r.Representation == RawPixels);
            ProbeResult random = dataset.Single(r => r.Representation == RandomViT);
            yield return $"{dataset.Key}: base vs raw pixels {Points(based.LinearTestAccuracy - pixels.LinearTestAccuracy)} (linear probe), " +
                         $"{Points(based.PrototypeTestAccuracy - pixels.PrototypeTestAccuracy)} (prototypes); " +
                         $"vs a random ViT {Points(based.LinearTestAccuracy - random.LinearTestAccuracy)} (linear probe), " +
                         $"{Points(based.PrototypeTestAccuracy - random.PrototypeTestAccuracy)} (prototypes)";
        }
    }

    public static string Markdown(string modelPath, int seed, IReadOnlyList<ProbeResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine($"Frozen representations of `{modelPath}` against a random ViT of the same shape (seed {seed}) and raw pixels: logistic regression " +
                        $"({TransferProbe.LinearSteps} full-batch AdamW steps on standardised features) and nearest class mean (cosine), test accuracy.");
        text.AppendLine();
        text.AppendLine("| dataset | classes | train / test images | representation | linear probe | prototypes |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (ProbeResult r in results)
            text.AppendLine($"| {r.Dataset} | {r.Classes} | {r.TrainImages} / {r.TestImages} | {r.Representation} | " +
                            $"{r.LinearTestAccuracy * 100:F2} | {r.PrototypeTestAccuracy * 100:F2} |");
        text.AppendLine();
        foreach (string verdict in Verdicts(results)) text.AppendLine($"- {verdict}");
        return text.ToString();
    }

    public static void Plot(IReadOnlyList<ProbeResult> results, string path)
    {
        string[] datasets = results.Select(r => r.Dataset).Distinct().ToArray();
        string[] representations = results.Select(r => r.Representation).Distinct().ToArray();
        var series = new List<(string, double[])>();
        foreach (string representation in representations)
        {
            ProbeResult Of(string dataset) => results.Single(r => r.Dataset == dataset && r.Representation == representation);
            series.Add(($"{representation}, linear", datasets.Select(d => Of(d).LinearTestAccuracy).ToArray()));
            series.Add(($"{representation}, prototypes", datasets.Select(d => Of(d).PrototypeTestAccuracy).ToArray()));
        }
        AccuracyPlots.Bars(series, datasets, "Frozen features: linear probe and prototype accuracy (test)", path);
    }

    static string Points(double difference) => $"{difference * 100:+0.00;-0.00} points";

    static int[] Spread(int count, int wanted) =>
        Enumerable.Range(0, Math.Min(count, wanted)).Select(i => (int)((long)i * count / Math.Min(count, wanted))).ToArray();
}
