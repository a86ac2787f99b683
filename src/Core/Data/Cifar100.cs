using Cltool.Core.Errors;
using Cltool.Core.Imaging;

namespace Cltool.Core.Data;

/// <summary>CIFAR-100, binary version (train.bin, test.bin, fine_label_names.txt): 32x32 RGB, 100 fine classes.</summary>
public sealed class Cifar100 : IImageDataset
{
    const int RecordSize = 2 + 3072;
    readonly byte[] _records;

    public string Name { get; }
    public DatasetSplit Split { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => _records.Length / RecordSize;
    public bool FlipInvariant => true;

    public Cifar100(string name, string directory, DatasetSplit split)
    {
        Name = name;
        Split = split;
        // Accept the folder the archive unpacks to, or its parent.
        if (!File.Exists(Path.Combine(directory, "train.bin")) && Directory.Exists(Path.Combine(directory, "cifar-100-binary")))
            directory = Path.Combine(directory, "cifar-100-binary");
        string data = Path.Combine(directory, split == DatasetSplit.Train ? "train.bin" : "test.bin");
        string labels = Path.Combine(directory, "fine_label_names.txt");
        if (!File.Exists(data) || !File.Exists(labels))
            throw new CltoolException($"CIFAR-100 in '{directory}' needs {Path.GetFileName(data)} and fine_label_names.txt " +
                                      "(the binary version, cifar-100-binary.tar.gz).");
        _records = File.ReadAllBytes(data);
        if (_records.Length == 0 || _records.Length % RecordSize != 0)
            throw new CltoolException($"CIFAR-100 file '{data}' has {_records.Length} bytes, not a whole number of {RecordSize}-byte records.");
        ClassNames = File.ReadAllLines(labels).Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
        if (ClassNames.Count != 100) throw new CltoolException($"'{labels}' lists {ClassNames.Count} classes; CIFAR-100 has 100.");
        for (int i = 0; i < Count; i++)
            if (_records[i * RecordSize + 1] >= 100) throw new CltoolException($"CIFAR-100 file '{data}': record {i} has fine label {_records[i * RecordSize + 1]}.");
    }

    public int LabelOf(int index) => _records[index * RecordSize + 1];

    public RgbImage Load(int index) => RgbImage.FromPlanar(32, 32, _records.AsSpan(index * RecordSize + 2, 3072));
}
