namespace Cltool.Core.Data;

public enum DatasetSplit
{
    Train,
    Test,
}
