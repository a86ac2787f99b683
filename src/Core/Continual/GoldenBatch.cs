using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>
/// A few preprocessed test images and the logits the trained model gave them. Every task checkpoint carries its own, so
/// the exporter proves parity of any stage in ONNX Runtime without libtorch; the run's last one is also golden.safetensors.
/// </summary>
public sealed record GoldenBatch(HostTensor Pixels, HostTensor Logits, int[] DatasetIndices)
{
    public const string Format = "cltool.golden-batch";
    static readonly FileFormat Header = new(Format, 1, "cltool golden batch");
    const string PixelsName = ModelSignature.Input, LogitsName = ModelSignature.Output, IndicesKey = "dataset_indices";

    public int Count => (int)Pixels.Shape[0];

    /// <summary>Adds the batch to a checkpoint under <paramref name="prefix"/> (tensors and one metadata key).</summary>
    public void AddTo(SafeTensorsWriter writer, string prefix)
    {
        writer.Add(prefix + PixelsName, Pixels.Data, Pixels.Shape);
        writer.Add(prefix + LogitsName, Logits.Data, Logits.Shape);
        writer.Metadata[prefix + IndicesKey] = CltoolJson.SerializeCompact(DatasetIndices);
    }

    /// <summary>The batch stored under <paramref name="prefix"/>, or null when the file has none.</summary>
    public static GoldenBatch? ReadFrom(SafeTensorsFile file, string prefix)
    {
        if (!file.Contains(prefix + PixelsName)) return null;
        HostTensor Read(string name) => file.Contains(name)
            ? new HostTensor(file.ReadFloats(name), file[name].Shape)
            : throw new CltoolException($"'{file.Path}' has a golden batch without '{name}'.");
        int[] indices = file.Metadata.TryGetValue(prefix + IndicesKey, out string? json)
            ? CltoolJson.Deserialize<int[]>(json, $"'{file.Path}' metadata '{prefix + IndicesKey}'") : [];
        return new GoldenBatch(Read(prefix + PixelsName), Read(prefix + LogitsName), indices);
    }

    /// <summary>golden.safetensors: the batch, and the sha256 of the checkpoint whose logits it holds.</summary>
    public void Save(string path, string checkpointSha256)
    {
        var writer = new SafeTensorsWriter();
        Header.WriteTo(writer);
        writer.Metadata["checkpoint_sha256"] = checkpointSha256;
        AddTo(writer, "");
        writer.Save(path);
    }

    public static GoldenBatch Load(string path)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        return Read(file);
    }

    static GoldenBatch Read(SafeTensorsFile file)
    {
        Header.Check(file);
        return ReadFrom(file, "") ?? throw new CltoolException($"'{file.Path}' lacks the tensor '{PixelsName}'.");
    }

    /// <summary>
    /// The batch of a checkpoint: its own, or else (checkpoints written before they carried one) the run's
    /// golden.safetensors when that was made from exactly this file. Null when neither exists.
    /// </summary>
    public static GoldenBatch? Of(string checkpointPath, ContinualCheckpoint checkpoint, string checkpointSha256)
    {
        if (checkpoint.Golden is not null) return checkpoint.Golden;
        string? runDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(checkpointPath)));
        if (runDirectory is null) return null;
        string path = new RunDirectory(runDirectory).Golden;
        if (!File.Exists(path)) return null;
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        return file.Metadata.GetValueOrDefault("checkpoint_sha256") == checkpointSha256 ? Read(file) : null;
    }
}
