using System.Text.Json;
using Cltool.Core.Imaging;
using Cltool.Core.Weights;

namespace Cltool.Core.Models;

/// <summary>
/// A trained ViT as one self-describing safetensors file: timm-named weights plus, in the header metadata, its
/// config, preprocessing and class names. Python reads it with safetensors; cltool needs nothing else.
/// </summary>
public sealed record ModelFile(ViTConfig Config, Preprocessing Preprocessing, IReadOnlyList<string> Classes, Dictionary<string, HostTensor> Weights)
{
    public const string Format = "cltool.model";
    public const int Version = 1;
    static readonly FileFormat Header = new(Format, Version, "cltool model file");

    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var writer = new SafeTensorsWriter();
        Header.WriteTo(writer);
        writer.Metadata["config"] = JsonSerializer.Serialize(Config, CltoolJson.Options);
        writer.Metadata["preprocessing"] = JsonSerializer.Serialize(Preprocessing, CltoolJson.Options);
        writer.Metadata["classes"] = JsonSerializer.Serialize(Classes, CltoolJson.Options);
        foreach ((string key, string value) in extraMetadata ?? new Dictionary<string, string>()) writer.Metadata[key] = value;
        foreach ((string name, long[] _) in Config.ExpectedTensors()) writer.Add(name, Weights[name].Data, Weights[name].Shape);
        writer.Save(path);
    }

    /// <summary>Loads a cltool model file; <paramref name="withHead"/> false drops the head (a backbone for new tasks).</summary>
    public static ModelFile Load(string path, bool withHead = true)
    {
        ViTConfig config;
        Preprocessing preprocessing;
        string[] classes;
        using (SafeTensorsFile file = SafeTensorsFile.Open(path))
        {
            Header.Check(file, hint: "for a timm or Hugging Face ViT give its preset instead");
            config = Header.Read<ViTConfig>(file, "config").Validate();
            preprocessing = Header.Read<Preprocessing>(file, "preprocessing");
            classes = Header.Read<string[]>(file, "classes");
        }
        if (!withHead) config = config.WithClasses(0);
        return new ModelFile(config, preprocessing, withHead ? classes : [], ViTWeights.Load(path, config));
    }

}
