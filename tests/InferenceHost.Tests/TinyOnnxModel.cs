using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Exporter.Onnx;
using Google.Protobuf;

namespace Cltool.InferenceHost.Tests;

/// <summary>A random vit-test-16 (16×16 RGB, 10 classes) exported as the exporter exports, with serving metadata.</summary>
public static class TinyOnnxModel
{
    public static readonly string[] Labels = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
    public static readonly ViTConfig Config = ViTConfig.Preset("vit-test-16").WithClasses(Labels.Length);

    /// <summary>Writes the model; <paramref name="trace"/> adds metadata as the exporter traces a run (method, tasks, ...).</summary>
    public static string Write(string path, int seed = 7, bool int8 = false, IReadOnlyDictionary<string, string>? trace = null)
    {
        var metadata = new ServingMetadata(Labels, Preprocessing.Native(Config.ImageSize)).ToProperties();
        foreach ((string key, string value) in trace ?? new Dictionary<string, string>()) metadata[key] = value;
        Onnx.ModelProto model = ViTGraph.Build(Config, RandomViT.Weights(Config, seed), Labels.Length, metadata);
        File.WriteAllBytes(path, (int8 ? Int8Quantization.Apply(model) : model).ToByteArray());
        return path;
    }
}
