using Cltool.Core.Data;
using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Trainer.Native;
using Cltool.Trainer.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Models;

/// <summary>
/// The standard tests of a frozen representation, applied the same way to every representation so they compare
/// directly: features of a fixed image sample, (1) a multinomial logistic regression on the features standardised with
/// the training statistics (full batch, AdamW, a fixed budget of <see cref="LinearSteps"/> steps), and (2) the nearest
/// class mean by cosine similarity of the raw features, which is what SimpleCIL's head does.
/// </summary>
public static class TransferProbe
{
    public const int LinearSteps = 500;
    const double LinearPeakRate = 0.05, LinearWeightDecay = 1e-4;

    /// <summary>Maps a batch of preprocessed images [n, 3, s, s] to features [n, d].</summary>
    public delegate Tensor Representation(Tensor images);

    /// <summary>The normalised class token of a ViT (what cltool's continual methods read).</summary>
    public static Representation ClassToken(VisionTransformer backbone)
    {
        backbone.eval();
        return backbone.ForwardFeatures;
    }

    /// <summary>The preprocessed pixels of the first channel (the datasets here are grey), flattened.</summary>
    public static Representation Pixels { get; } = images => images[.., 0].flatten(1);

    public static ProbeResult Run(string dataset, string name, Representation representation, IImageDataset train, IImageDataset test,
                                  int[] trainIndices, int[] testIndices, Preprocessing preprocessing, Device device, int workers = 2)
    {
        using var scope = NewDisposeScope();
        Tensor trainFeatures = Features(representation, train, trainIndices, preprocessing, device, workers);
        Tensor testFeatures = Features(representation, test, testIndices, preprocessing, device, workers);
        Tensor trainLabels = Labels(train, trainIndices, device), testLabels = Labels(test, testIndices, device);
        int classes = train.ClassNames.Count;
        (double linearTrain, double linearTest) = FitLinear(trainFeatures, trainLabels, testFeatures, testLabels, classes);
        double prototype = NearestClassMean(trainFeatures, trainLabels, testFeatures, testLabels, classes);
        return new ProbeResult(dataset, name, classes, trainIndices.Length, testIndices.Length, linearTrain, linearTest, prototype);
    }

    public static Tensor Features(Representation representation, IImageDataset dataset, int[] indices, Preprocessing preprocessing,
                                  Device device, int workers = 2)
    {
        var loader = new BatchLoader(dataset, indices, (image, _) => Transforms.Eval(image, preprocessing), 256, workers);
        var parts = new List<Tensor>();
        using var _ = no_grad();
        foreach (Batch batch in loader.Epoch(0, 0, shuffle: false, dropLast: false))
        {
            using var scope = NewDisposeScope();
            Tensor images = batch.Pixels(preprocessing.ImageSize, device);
            parts.Add(representation(images).detach().MoveToOuterDisposeScope());
        }
        Tensor features = cat(parts, 0);
        parts.ForEach(part => part.Dispose());
        return features;
    }

    static Tensor Labels(IImageDataset dataset, int[] indices, Device device) =>
        tensor(indices.Select(i => (long)dataset.LabelOf(i)).ToArray()).to(device);

    static (double Train, double Test) FitLinear(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int classes)
    {
        using var scope = NewDisposeScope();
        using Scalar epsilon = 1e-6.ToScalar();
        Tensor mean = trainX.mean([0], keepdim: true), std = trainX.std(0, keepdim: true).add(epsilon, Scalars.One);
        Tensor x = trainX.sub(mean).div(std), xTest = testX.sub(mean).div(std);
        Tensor weight = zeros([x.shape[1], classes], device: x.device).requires_grad_();
        Tensor bias = zeros([classes], device: x.device).requires_grad_();
        using var optimizer = new AdamW([new AdamW.Group([("weight", weight), ("bias", bias)], LinearWeightDecay)]);
        var schedule = new WarmupCosine(LinearPeakRate, 10, LinearSteps);
        for (int step = 0; step < LinearSteps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.ZeroGrad();
            nn.functional.cross_entropy(x.matmul(weight).add(bias, Scalars.One), trainY).backward();
            optimizer.Step(schedule.At(step));
        }
        using var _ = no_grad();
        double Accuracy(Tensor features, Tensor labels) => Agreement(features.matmul(weight).add(bias, Scalars.One).argmax(1), labels);
        return (Accuracy(x, trainY), Accuracy(xTest, testY));
    }

    /// <summary>Cosine similarity to each class's mean feature, as SimpleCIL's prototype head.</summary>
    static double NearestClassMean(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int classes)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor sums = nn.functional.one_hot(trainY, classes).to(trainX.dtype).t().matmul(trainX); // same direction as the means
        Tensor prototypes = nn.functional.normalize(sums, dim: 1);
        Tensor similarity = nn.functional.normalize(testX, dim: 1).matmul(prototypes.t());
        return Agreement(similarity.argmax(1), testY);
    }

    static double Agreement(Tensor predicted, Tensor labels) => predicted.eq(labels).to(ScalarType.Float32).mean().item<float>();
}
