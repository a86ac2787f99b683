using System.Text.Json;
using Cltool.Core.Imaging;
using Cltool.Core.IO;

namespace Cltool.Core.Models;

/// <summary>The human-readable card next to a model: what it is, how it was made, how good it is, its checksum.</summary>
public sealed record ModelCard(
    string Format,
    string File,
    string Sha256,
    long Bytes,
    long Parameters,
    ViTConfig Config,
    Preprocessing Preprocessing,
    string Data,
    int ClassCount,
    double HeldOutAccuracy,
    int HeldOutImages,
    double TrainingSeconds,
    JsonElement Recipe,
    string Producer,
    string Environment,
    IReadOnlyList<PretrainingEpoch>? Curve = null,
    IReadOnlyList<ProbeResult>? Transfer = null)
{
    public const string CardFormat = "cltool.model-card/1";

    /// <summary>The card of a model file: the same path with <c>.card.json</c> instead of <c>.safetensors</c>.</summary>
    public static string PathFor(string modelPath) => Path.ChangeExtension(modelPath, ".card.json");

    public static ModelCard Load(string path) => CltoolJson.LoadStrict<ModelCard>(path, "Model card");

    public void Save(string path) => AtomicFile.WriteAllText(path, CltoolJson.Serialize(this) + "\n");
}
