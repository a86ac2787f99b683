using Cltool.Core.Errors;
using Cltool.Core.Imaging;

namespace Cltool.Core.Data;

/// <summary>
/// PATH/train and PATH/test, one subfolder per class (the layout ImageNet-R, ImageNet-A, CUB and DomainNet ship in),
/// or a split file (<see cref="SplitFile"/>, `cltool data split`) naming each split's images and classes.
/// Classes are the train folder's subfolders in ordinal order, as torchvision's ImageFolder sorts them; the test split
/// uses the same class list. Files whose header is not a decodable image are skipped and counted when the folder is
/// opened (see <see cref="Skipped"/>); a file whose header is fine but whose data is truncated fails when loaded,
/// naming the file, because silently substituting another sample would change the run.
/// </summary>
public sealed class ImageFolder : IImageDataset
{
    readonly (string Path, int Label)[] _items;

    public string Name { get; }
    public DatasetSplit Split { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => _items.Length;
    public bool FlipInvariant => true;
    /// <summary>Files skipped at open because they are not images Skia can read.</summary>
    public IReadOnlyList<string> Skipped { get; }

    public ImageFolder(string name, string root, DatasetSplit split)
    {
        Name = name;
        Split = split;
        if (File.Exists(root))
        {
            SplitFile file = SplitFile.Load(root);
            ClassNames = file.Classes;
            _items = file.Images(root, split);
            if (_items.Length == 0) throw new CltoolException($"Dataset '{name}': the split file's {split.ToString().ToLowerInvariant()} split is empty.");
            Skipped = [];
            return;
        }
        string trainRoot = Path.Combine(root, "train");
        string splitRoot = Path.Combine(root, split == DatasetSplit.Train ? "train" : "test");
        foreach (string folder in new[] { trainRoot, splitRoot })
            if (!Directory.Exists(folder))
                throw new CltoolException($"Dataset '{name}': folder '{folder}' does not exist; expected train/ and test/ with one subfolder per class.");
        ClassNames = Directory.GetDirectories(trainRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        if (ClassNames.Count == 0) throw new CltoolException($"Dataset '{name}': '{trainRoot}' has no class subfolders.");

        var classIndex = ClassNames.Select((label, index) => (label, index)).ToDictionary(pair => pair.label, pair => pair.index);
        var items = new List<(string, int)>();
        var skipped = new List<string>();
        foreach (string folder in Directory.GetDirectories(splitRoot).Order(StringComparer.Ordinal))
        {
            string label = Path.GetFileName(folder);
            if (!classIndex.TryGetValue(label, out int index))
                throw new CltoolException($"Dataset '{name}': class folder '{folder}' is not among the train classes.");
            foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (!ImageDecoder.Extensions.Contains(Path.GetExtension(file).ToLowerInvariant())) continue;
                if (ImageDecoder.Probe(file) is null) skipped.Add(file);
                else items.Add((file, index));
            }
        }
        if (items.Count == 0) throw new CltoolException($"Dataset '{name}': '{splitRoot}' holds no readable images ({string.Join("/", ImageDecoder.Extensions)}).");
        _items = items.ToArray();
        Skipped = skipped;
    }

    public int LabelOf(int index) => _items[index].Label;

    public RgbImage Load(int index) => ImageDecoder.Decode(_items[index].Path);
}
