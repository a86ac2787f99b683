namespace Cltool.Core.Continual;

/// <summary>The base models shipped in the repository's models/ folder.</summary>
public static class BuiltInModels
{
    /// <summary>vit-cpu-28 pretrained by cltool on rendered glyphs (models/vit-cpu-28-glyphs).</summary>
    public const string DefaultBase = "models/vit-cpu-28-glyphs/model.safetensors";

    /// <summary>
    /// A relative path as given, or, when it does not exist from the working directory, the same path under the
    /// nearest folder above the executable that has it (a build inside the repository finds models/ from anywhere).
    /// </summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path)) return path;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, path);
            if (File.Exists(candidate)) return candidate;
        }
        return path;
    }
}
