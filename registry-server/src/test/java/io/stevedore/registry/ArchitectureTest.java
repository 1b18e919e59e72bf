package io.stevedore.registry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The architecture's rules, checked on the production classes of every module (this module's
 * test classpath holds them all: registry-core, registry-client, storage-fs, storage-s3,
 * build-service and the server). docs/architecture.md explains them.
 */
class ArchitectureTest {

    /** build-service's packages, under either name (io.stevedore.build is being renamed io.stevedore.builder). */
    private static final String[] BUILD_SERVICE = {"io.stevedore.build..", "io.stevedore.builder.."};
    private static final String[] CONCRETE_STORES = {"io.stevedore.storage.fs..", "io.stevedore.storage.s3.."};

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")) // test-jars outside the reactor
            .importPackages("io.stevedore");

    @Test
    void buildServiceUsesNeitherTheServerNorStorage() {
        noClasses().that().resideInAnyPackage(BUILD_SERVICE)
                .should().dependOnClassesThat().resideInAnyPackage("io.stevedore.registry..", "io.stevedore.storage..")
                .because("build-service talks to the registry over HTTP only (the client and the worker API), "
                        + "so builds and workers run as separate, privileged processes, on other machines too")
                .check(CLASSES);
    }

    @Test
    void onlyTheStorageWiringKnowsConcreteStores() {
        noClasses().that().resideInAPackage("io.stevedore.registry..")
                .and().resideOutsideOfPackage("io.stevedore.registry.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(CONCRETE_STORES)
                .because("only the storage wiring (io.stevedore.registry.storage) knows which store is in use; "
                        + "distribution, builds and the rest see BlobStore and the optional capabilities a store "
                        + "implements (LocalFiles, Redirects, StaleUploads)")
                .check(CLASSES);
    }

    @Test
    void theClientUsesNoStorage() {
        noClasses().that().resideInAPackage("io.stevedore.client..")
                .should().dependOnClassesThat().resideInAnyPackage("io.stevedore.storage..", "io.stevedore.registry..")
                .because("the client speaks the OCI distribution API over HTTP; it shares the OCI model with the "
                        + "registry, not its storage or its server")
                .check(CLASSES);
    }

    @Test
    void theStorageSpiAndTheModelKnowNoConcreteStore() {
        noClasses().that().resideInAnyPackage("io.stevedore.oci..", "io.stevedore.json..")
                .or().resideInAPackage("io.stevedore.storage")
                .should().dependOnClassesThat().resideInAnyPackage(CONCRETE_STORES)
                .because("registry-core holds the OCI model, JSON and the storage SPI; stores plug into it, "
                        + "not the other way round")
                .check(CLASSES);
    }

    @Test
    void theModulesTopLevelPackagesHaveNoCycles() {
        // io.stevedore.{oci,json,storage,client,registry,build or builder}: core, client, stores
        // (storage and its fs and s3 subpackages are one slice here), server, build-service
        slices().matching("io.stevedore.(*)..").should().beFreeOfCycles()
                .because("modules and the packages they share depend one way only")
                .check(CLASSES);
    }

    @Test
    void theStoresHaveNoCycles() {
        slices().matching("io.stevedore.storage.(*)..").should().beFreeOfCycles()
                .because("each store stands on the SPI alone")
                .check(CLASSES);
    }

    /**
     * build-service's file-handling packages depend on each other today: context and layers both
     * ways (ArchiveUnpacker, FileCopier and BuildContext use layers' TarExtraction, Decompression
     * and PosixMetadata; TarExtraction uses context's FileTrees, RootPaths and
     * HostileArchiveException), and layers -> host -> sandbox -> context (SecurityXattrs uses
     * host's SearchPath, HostRequirements sandbox's Binfmt, Sandbox and OverlayMount context's
     * FileTrees). Until that is untangled they count as one slice here, so the rule still keeps
     * every other package (dockerfile, engine, cli, worker, ...) out of cycles with them and with
     * each other. Untangling them: delete FILE_HANDLING and the test fails where a cycle comes back.
     */
    private static final Set<String> FILE_HANDLING = Set.of("context", "layers", "host", "sandbox");

    @Test
    void buildServicePackagesHaveNoCycles() {
        slices().assignedFrom(topLevelPackagesUnder("build-service", FILE_HANDLING, "io.stevedore.build", "io.stevedore.builder"))
                .should().beFreeOfCycles()
                .because("build-service's packages form layers a newcomer can read one at a time")
                .check(CLASSES);
    }

    @Test
    void serverPackagesHaveNoCycles() {
        slices().matching("io.stevedore.registry.(*)..").should().beFreeOfCycles()
                .because("the server's packages (distribution, metadata, builds, auth, ...) depend one way only")
                .check(CLASSES);
    }

    /**
     * Slices by the package right below any of {@code roots}, the packages in {@code together}
     * forming one slice; classes elsewhere are in none.
     */
    private static SliceAssignment topLevelPackagesUnder(String module, Set<String> together, String... roots) {
        StringBuilder alternatives = new StringBuilder();
        for (String root : roots) {
            alternatives.append(alternatives.isEmpty() ? "" : "|").append(Pattern.quote(root));
        }
        Pattern pattern = Pattern.compile("(?:" + alternatives + ")\\.([^.]+)(?:\\..*)?");
        return new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                Matcher m = pattern.matcher(javaClass.getPackageName());
                if (!m.matches()) {
                    return SliceIdentifier.ignore();
                }
                return SliceIdentifier.of(together.contains(m.group(1)) ? String.join("+", new TreeSet<>(together)) : m.group(1));
            }

            @Override
            public String getDescription() {
                return module + "'s top-level packages";
            }
        };
    }
}
