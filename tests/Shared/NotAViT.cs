using Cltool.Core.Weights;

namespace Cltool.Testing;

/// <summary>A valid safetensors file whose one tensor is no ViT weight: the wrong file given where a base model belongs.</summary>
public static class NotAViT
{
    public static string Write(string path)
    {
        var writer = new SafeTensorsWriter();
        writer.Add("encoder.weight", new float[4], [2, 2]);
        writer.Save(path);
        return path;
    }
}
