using Cltool.Core.Data;
using Cltool.Core.Imaging;
using Cltool.Trainer.Native;
using Cltool.Trainer.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Models;

public sealed record ProbeResult(string Backbone, double TrainAccuracy, double TestAccuracy, int TrainImages, int TestImages, double FeatureSeconds);

/// <summary>
/// The standard test of a frozen representation: class-token features of a backbone, standardised with the training
/// features' statistics, and a multinomial logistic regression trained on them (full batch, AdamW, fixed budget).
/// Two backbones probed with the same images, preprocessing and budget can be compared directly.
/// </summary>
public static class LinearProbe
{
    public static ProbeResult Run(string name, VisionTransformer backbone, IImageDataset train, IImageDataset test, int[] trainIndices,
                                  int[] testIndices, Preprocessing preprocessing, Device device, int steps = 500, int workers = 2)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using Tensor trainFeatures = Features(backbone, train, trainIndices, preprocessing, device, workers);
        using Tensor testFeatures = Features(backbone, test, testIndices, preprocessing, device, workers);
        double featureSeconds = clock.Elapsed.TotalSeconds;
        using Tensor trainLabels = tensor(trainIndices.Select(i => (long)train.LabelOf(i)).ToArray()).to(device);
        using Tensor testLabels = tensor(testIndices.Select(i => (long)test.LabelOf(i)).ToArray()).to(device);
        (double trainAccuracy, double testAccuracy) = Fit(trainFeatures, trainLabels, testFeatures, testLabels, train.ClassNames.Count, steps);
        return new ProbeResult(name, trainAccuracy, testAccuracy, trainIndices.Length, testIndices.Length, Math.Round(featureSeconds, 1));
    }

    public static Tensor Features(VisionTransformer backbone, IImageDataset dataset, int[] indices, Preprocessing preprocessing, Device device, int workers = 2)
    {
        backbone.eval();
        var loader = new BatchLoader(dataset, indices, (image, _) => Transforms.Eval(image, preprocessing), 256, workers);
        var parts = new List<Tensor>();
        using var _ = no_grad();
        foreach (Batch batch in loader.Epoch(0, 0, shuffle: false, dropLast: false))
        {
            using var scope = NewDisposeScope();
            Tensor images = tensor(batch.Images, [batch.Count, 3, preprocessing.ImageSize, preprocessing.ImageSize]).to(device);
            parts.Add(backbone.ForwardFeatures(images).detach().MoveToOuterDisposeScope());
        }
        Tensor features = cat(parts, 0);
        parts.ForEach(part => part.Dispose());
        return features;
    }

    static (double Train, double Test) Fit(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int classes, int steps)
    {
        using var scope = NewDisposeScope();
        using Scalar epsilon = 1e-6.ToScalar();
        Tensor mean = trainX.mean([0], keepdim: true), std = trainX.std(0, keepdim: true).add(epsilon);
        Tensor x = trainX.sub(mean).div(std), xTest = testX.sub(mean).div(std);
        long dim = x.shape[1];
        Tensor weight = zeros([dim, classes], device: x.device).requires_grad_();
        Tensor bias = zeros([classes], device: x.device).requires_grad_();
        using var optimizer = new AdamW([new AdamW.Group([("weight", weight), ("bias", bias)], 1e-4)]);
        var schedule = new WarmupCosine(0.05, 10, steps);
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.ZeroGrad();
            nn.functional.cross_entropy(x.matmul(weight).add(bias, Scalars.One), trainY).backward();
            optimizer.Step(schedule.At(step));
        }
        using var _ = no_grad();
        double Accuracy(Tensor features, Tensor labels) => features.matmul(weight).add(bias, Scalars.One).argmax(1).eq(labels).to(ScalarType.Float32).mean().item<float>();
        return (Accuracy(x, trainY), Accuracy(xTest, testY));
    }
}
