using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Core.Tests.Platforms;

/// <summary>Chain files: any bag ordered device → … → root, each followed by its issuer; gaps and extras reported.</summary>
public sealed class OrderedChainTests
{
    private static readonly Lazy<(ProfileCert Root, ProfileCert Int1, ProfileCert Int2, ProfileCert Device, ProfileCert Other)> Pki = new(() =>
    {
        var root = ProfileCert.Create(new ProfileSpec { Subject = "CN=Order Root", PathLength = null, Key = "ec" });
        var int1 = root.Issue(new ProfileSpec { Subject = "CN=Order CA 1", PathLength = null, Key = "ec" });
        var int2 = int1.Issue(new ProfileSpec { Subject = "CN=Order CA 2", Key = "ec" });
        var device = int2.Issue(new ProfileSpec { Subject = "CN=order-device", Ca = false, PathLength = null, KeyUsage = System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature, Key = "ec" });
        var other = ProfileCert.Create(new ProfileSpec { Subject = "CN=Unrelated CA", Key = "ec" });
        return (root, int1, int2, device, other);
    });

    private static Certificate[] Full => [Pki.Value.Device.Certificate, Pki.Value.Int2.Certificate, Pki.Value.Int1.Certificate, Pki.Value.Root.Certificate];

    [Property]
    public Property Any_order_of_the_bag_gives_the_chain_order()
    {
        var expected = Full.Select(c => c.Sha256Thumbprint).ToList();

        return Prop.ForAll(Gen.Shuffle(Full).ToArbitrary(), bag =>
        {
            var chain = OrderedChain.FromBag(bag);
            return chain.Certificates.Select(c => c.Sha256Thumbprint).SequenceEqual(expected) && chain.EndsAtRoot && chain.Gap is null && chain.Extras.Count == 0;
        });
    }

    [Fact]
    public void A_missing_intermediate_is_a_gap_and_what_is_left_over_is_extra()
    {
        var p = Pki.Value;

        var chain = OrderedChain.FromBag([p.Root.Certificate, p.Device.Certificate, p.Int1.Certificate, p.Other.Certificate]);

        Assert.Equal([p.Device.Certificate], chain.Certificates);
        Assert.Equal("CN=Order CA 2", chain.Gap!.Rfc4514Name);
        Assert.False(chain.EndsAtRoot);
        Assert.Equal(3, chain.Extras.Count);
    }

    [Fact]
    public void A_chain_without_its_root_names_the_root_as_the_gap()
    {
        var p = Pki.Value;

        var chain = OrderedChain.FromBag([p.Int1.Certificate, p.Device.Certificate, p.Int2.Certificate, p.Device.Certificate]);

        Assert.Equal(3, chain.Certificates.Count);
        Assert.Equal("CN=Order Root", chain.Gap!.Rfc4514Name);
        Assert.Equal(1, chain.DuplicatesRemoved);
        Assert.Empty(chain.Extras);
    }

    [Fact]
    public void Pem_output_is_in_chain_order_and_reads_back()
    {
        var chain = OrderedChain.FromBag(Full.Reverse());

        var reread = MaterialLoader.Load(System.Text.Encoding.ASCII.GetBytes(chain.ToPem())).Certificates;

        Assert.Equal(Full.Select(c => c.Sha256Thumbprint), reread.Select(c => c.Sha256Thumbprint));
    }

    [Fact]
    public void An_empty_bag_is_refused()
    {
        Assert.Throws<ArgumentException>(() => OrderedChain.FromBag([]));
    }

    [Fact]
    public void A_presented_file_in_chain_order_has_no_order_problem_even_with_copies_and_extras_after_it()
    {
        var p = Pki.Value;

        Assert.Null(ChainFileOrder.FindProblem(Full));
        Assert.Null(ChainFileOrder.FindProblem([p.Device.Certificate, p.Device.Certificate, p.Int2.Certificate, p.Int1.Certificate, p.Root.Certificate, p.Other.Certificate]));
        Assert.Null(ChainFileOrder.FindProblem([p.Device.Certificate]));
    }

    [Fact]
    public void A_root_first_file_names_the_first_position_out_of_order_and_the_chain_order()
    {
        var p = Pki.Value;

        var problem = ChainFileOrder.FindProblem([.. Full.Reverse()]);
        var swapped = ChainFileOrder.FindProblem([p.Device.Certificate, p.Int1.Certificate, p.Int2.Certificate, p.Root.Certificate]);
        var extraFirst = ChainFileOrder.FindProblem([p.Other.Certificate, .. Full]);

        Assert.StartsWith("position 1 of the file holds \"CN=Order Root\" where the device certificate (\"CN=order-device\") belongs", problem, StringComparison.Ordinal);
        Assert.EndsWith("\"CN=order-device\" -> \"CN=Order CA 2\" -> \"CN=Order CA 1\" -> \"CN=Order Root\"", problem, StringComparison.Ordinal);
        Assert.StartsWith("position 2 of the file holds \"CN=Order CA 1\" where the issuer of \"CN=order-device\"", swapped, StringComparison.Ordinal);
        Assert.StartsWith("position 1 of the file holds \"CN=Unrelated CA\"", extraFirst, StringComparison.Ordinal);
        Assert.Equal("ChainOrder", ChainFileOrder.Code);
    }
}
