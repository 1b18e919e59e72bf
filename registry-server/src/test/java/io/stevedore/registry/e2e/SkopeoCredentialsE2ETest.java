package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo (containers/image) with credentials against the registry with authentication on:
 * {@code --dest-creds} to push, {@code --src-creds} to copy back, refusals without them or as
 * another user, and access that follows a team's grant. Skipped when skopeo or busybox-static is
 * missing.
 */
class SkopeoCredentialsE2ETest extends AuthRegistryTestSupport {

    @TempDir
    Path work;

    @BeforeEach
    void requireSkopeo() {
        Processes.assumeInstalled("skopeo", "skopeo");
    }

    @Test
    void copyWithDestCredsPushesAndSrcCredsCopiesBackWhatOthersCannotRead() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        BusyboxImages.Blob manifest = layout.refs().get(BusyboxImages.AMD64);
        String image = "docker://" + authRegistryHost() + "/" + alice.name() + "/skopeo:1";
        String aliceCreds = alice.name() + ":" + alice.password();

        Processes.Result anonymous = Processes.run("skopeo", "copy", "--dest-tls-verify=false",
                layout.reference(BusyboxImages.AMD64), image);
        assertThat(anonymous.succeeded()).as("push without credentials: " + anonymous.describe()).isFalse();

        Processes.check("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", aliceCreds,
                layout.reference(BusyboxImages.AMD64), image);

        Path copied = work.resolve("copied");
        Processes.check("skopeo", "copy", "--src-tls-verify=false", "--src-creds", aliceCreds,
                image, "oci:" + copied + ":1");
        byte[] copiedManifest = Processes.check("skopeo", "inspect", "--raw", "oci:" + copied + ":1").stdout();
        assertThat(BusyboxImages.sha256(copiedManifest)).isEqualTo(manifest.digest());

        Processes.Result asBob = Processes.run("skopeo", "inspect", "--raw", "--tls-verify=false",
                "--creds", bob.name() + ":" + bob.password(), image);
        assertThat(asBob.succeeded()).as("bob reads alice's private image: " + asBob.describe()).isFalse();
        Processes.Result unauthenticated = Processes.run("skopeo", "inspect", "--raw", "--tls-verify=false",
                "--no-creds", image);
        assertThat(unauthenticated.succeeded()).as("anonymous read: " + unauthenticated.describe()).isFalse();
    }

    @Test
    void aPrivateRepositoryIsInvisibleAndUnreadableToAnotherUserUntilATeamGrantAndAgainAfterItsRemoval() {
        TestUser owner = newUser("owner");
        TestUser bob = newUser("bob");
        String org = newOrganization("acme", owner);
        String repository = org + "/private";
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        String image = "docker://" + authRegistryHost() + "/" + repository + ":1";
        Processes.check("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds",
                owner.name() + ":" + owner.password(), layout.reference(BusyboxImages.AMD64), image);
        String bobCreds = bob.name() + ":" + bob.password();
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", java.util.Map.of("name", "readers"), owner.basic());
        api(204, "PUT", "/api/v1/orgs/" + org + "/teams/readers/members/" + bob.name(), null, owner.basic());

        assertThat(catalogOf(bob)).doesNotContain(repository);
        assertThat(inspect(bobCreds, image).succeeded()).as("bob, before the grant").isFalse();

        api(200, "PUT", "/api/v1/orgs/" + org + "/teams/readers/permissions",
                java.util.Map.of("repository", repository, "role", "read"), owner.basic());

        assertThat(catalogOf(bob)).contains(repository);
        Processes.Result granted = inspect(bobCreds, image);
        assertThat(granted.succeeded()).as("bob, with the grant: " + granted.describe()).isTrue();
        assertThat(BusyboxImages.sha256(granted.stdout()))
                .isEqualTo(layout.refs().get(BusyboxImages.AMD64).digest());

        api(204, "DELETE", "/api/v1/orgs/" + org + "/teams/readers/permissions?repository=" + repository, null,
                owner.basic());

        assertThat(catalogOf(bob)).doesNotContain(repository);
        assertThat(inspect(bobCreds, image).succeeded()).as("bob, after the grant was removed").isFalse();
    }

    private static Processes.Result inspect(String creds, String image) {
        return Processes.run("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", creds, image);
    }

    private static String catalogOf(TestUser user) {
        Response catalog = get("/v2/_catalog?n=10000", "Authorization", user.basic());
        assertThat(catalog.status()).isEqualTo(200);
        return catalog.body();
    }
}
