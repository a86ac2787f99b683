using Cltool.Core.Imaging;
using Cltool.Core.Models;

namespace Cltool.Testing;

/// <summary>A random vit-test-16 backbone saved as a cltool model file: a base model that trains in seconds.</summary>
public static class TinyBase
{
    public static readonly ViTConfig Config = ViTConfig.Preset("vit-test-16");

    public static string Write(string path, int seed = 7)
    {
        new ModelFile(Config, Preprocessing.Native(Config.ImageSize), [], RandomViT.Weights(Config, seed)).Save(path);
        return path;
    }
}
