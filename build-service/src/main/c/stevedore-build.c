/*
 * stevedore-build: the native front of `java -jar build-service.jar`, as Bazel's C++ client is the
 * front of its Java server. A JVM needs ~95 ms on this project's machines before it runs one line
 * of ours (docs/benchmarks.md), so a client that only hands `build` to the warm build daemon can
 * start in tens of milliseconds only as a native program. This one speaks the daemon's wire format
 * (io.stevedore.builder.cli.Frames) and finds the daemon's socket exactly as DaemonClient does;
 * everything else (no daemon yet, other commands, STEVEDORE_BUILD_DAEMON=off) is handed to
 * `java -jar build-service.jar` with the same arguments, which runs the build and starts a daemon.
 *
 * The jar: $STEVEDORE_BUILD_JAR, else build-service.jar beside this program (symlinks followed).
 * Java: $JAVA_HOME/bin/java, else `java` on PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

enum { FRAMES_VERSION = 1, FRAME_STDOUT = 1, FRAME_STDERR = 2, FRAME_EXIT = 3 };
/* DaemonClient.socketPath: a longer path (even one that fits sun_path) means no daemon */
enum { SOCKET_PATH_LIMIT = 100 };

static void die(int status, const char *message, const char *detail) {
    fprintf(stderr, "error: %s%s\n", message, detail == NULL ? "" : detail);
    exit(status);
}

static char *joined(const char *a, const char *b, const char *c) {
    size_t length = strlen(a) + strlen(b) + strlen(c) + 1;
    char *result = malloc(length);
    if (result == NULL) {
        die(1, "out of memory", NULL);
    }
    snprintf(result, length, "%s%s%s", a, b, c);
    return result;
}

static int blank(const char *text) {
    for (; text != NULL && *text != '\0'; text++) {
        /* String.isBlank's ASCII whitespace */
        unsigned char c = (unsigned char) *text;
        if (c != ' ' && !(c >= '\t' && c <= '\r') && !(c >= 0x1c && c <= 0x1f)) {
            return 0;
        }
    }
    return 1;
}

static const char *jar_path(void) {
    const char *configured = getenv("STEVEDORE_BUILD_JAR");
    if (!blank(configured)) {
        return configured;
    }
    static char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        die(2, "cannot find build-service.jar: set STEVEDORE_BUILD_JAR", NULL);
    }
    self[length] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    return joined(self, "/build-service.jar", "");
}

/** `java -jar JAR ARGS...`: the Java CLI does whatever this client does not. */
static void run_java(const char *jar, int argc, char **argv) {
    char **command = calloc((size_t) argc + 3, sizeof *command);
    if (command == NULL) {
        die(1, "out of memory", NULL);
    }
    command[0] = "java";
    command[1] = "-jar";
    command[2] = (char *) jar;
    for (int i = 1; i < argc; i++) {
        command[i + 2] = argv[i];
    }
    const char *java_home = getenv("JAVA_HOME");
    if (!blank(java_home)) {
        char *java = joined(java_home, "/bin/java", "");
        execv(java, command);
        die(127, "cannot start $JAVA_HOME/bin/java: ", strerror(errno));
    }
    execvp("java", command);
    die(127, "cannot start java (set JAVA_HOME or put java on PATH): ", strerror(errno));
}

static char *resolved(const char *directory, const char *path) {
    if (path[0] == '/') {
        return (char *) path;
    }
    return path[0] == '\0' ? (char *) directory : joined(directory, "/", path);
}

/** BuildOptions.defaultWorkDir, or the build's --work-dir (DaemonClient.workDir). */
static char *work_dir(const char *jar, int argc, char **argv, const char *cwd) {
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--work-dir") == 0 && i + 1 < argc) {
            return resolved(cwd, argv[i + 1]);
        }
        if (strncmp(argv[i], "--work-dir=", 11) == 0) {
            return resolved(cwd, argv[i] + 11);
        }
    }
    const char *configured = getenv("STEVEDORE_BUILD_DIR");
    if (!blank(configured)) {
        return resolved(cwd, configured);
    }
    const char *home = getenv("HOME");
    if (blank(home)) {
        struct passwd *user = getpwuid(getuid());
        if (user == NULL || user->pw_dir == NULL || user->pw_dir[0] != '/') {
            run_java(jar, argc, argv);   /* no home: the Java client uses no daemon either */
        }
        home = user->pw_dir;
    }
    return joined(home, "/.cache/stevedore-build", "");
}

/* ---- the request: big-endian ints and length-prefixed UTF-8 strings, as DataOutputStream writes them */

struct buffer {
    char *bytes;
    size_t length;
    size_t capacity;
};

static void append(struct buffer *buffer, const void *bytes, size_t length) {
    if (buffer->length + length > buffer->capacity) {
        size_t capacity = (buffer->capacity + length) * 2;
        buffer->bytes = realloc(buffer->bytes, capacity);
        if (buffer->bytes == NULL) {
            die(1, "out of memory", NULL);
        }
        buffer->capacity = capacity;
    }
    memcpy(buffer->bytes + buffer->length, bytes, length);
    buffer->length += length;
}

static void append_int(struct buffer *buffer, uint32_t value) {
    unsigned char bytes[4] = {(unsigned char) (value >> 24), (unsigned char) (value >> 16),
                             (unsigned char) (value >> 8), (unsigned char) value};
    append(buffer, bytes, 4);
}

static void append_string(struct buffer *buffer, const char *text, size_t length) {
    append_int(buffer, (uint32_t) length);
    append(buffer, text, length);
}

static int write_all(int fd, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return -1;
        }
        bytes += written;
        length -= (size_t) written;
    }
    return 0;
}

/** 1 when all was read, 0 at the end of the stream, -1 on an error. */
static int read_all(int fd, void *into, size_t length) {
    char *bytes = into;
    size_t done = 0;
    while (done < length) {
        ssize_t got = read(fd, bytes + done, length - done);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return got == 0 ? 0 : -1;
        }
        done += (size_t) got;
    }
    return 1;
}

static uint32_t big_endian(const unsigned char bytes[4]) {
    return (uint32_t) bytes[0] << 24 | (uint32_t) bytes[1] << 16 | (uint32_t) bytes[2] << 8 | bytes[3];
}

static void lost(int status, const char *socket_path) {
    if (status == 0) {
        fprintf(stderr, "error: the build daemon stopped during the build (see its log beside %s)\n", socket_path);
    } else {
        fprintf(stderr, "error: lost the build daemon: %s\n", strerror(errno));
    }
    exit(1);
}

/** Relays the daemon's frames to stdout and stderr; exits with the build's status. */
static void relay(int daemon, const char *socket_path) {
    static char chunk[65536];
    for (;;) {
        unsigned char header[5];
        int status = read_all(daemon, header, 1);
        if (status <= 0) {
            lost(status, socket_path);
        }
        status = read_all(daemon, header + 1, 4);
        if (status <= 0) {
            lost(status, socket_path);
        }
        uint32_t value = big_endian(header + 1);
        if (header[0] == FRAME_EXIT) {
            exit((int) value);
        }
        if (header[0] != FRAME_STDOUT && header[0] != FRAME_STDERR) {
            die(1, "the build daemon sent an unknown frame; is it of another version?", NULL);
        }
        int out = header[0] == FRAME_STDOUT ? STDOUT_FILENO : STDERR_FILENO;
        while (value > 0) {
            size_t part = value < sizeof chunk ? value : sizeof chunk;
            status = read_all(daemon, chunk, part);
            if (status <= 0) {
                lost(status, socket_path);
            }
            write_all(out, chunk, part);   /* a closed stdout does not stop the build, as in Java */
            value -= (uint32_t) part;
        }
    }
}

int main(int argc, char **argv) {
    const char *jar = jar_path();
    struct stat jar_status;
    if (stat(jar, &jar_status) != 0 || !S_ISREG(jar_status.st_mode)) {
        die(2, "build-service.jar not found (set STEVEDORE_BUILD_JAR): ", jar);
    }
    const char *daemon_setting = getenv("STEVEDORE_BUILD_DAEMON");
    if (argc < 2 || strcmp(argv[1], "build") != 0 || (daemon_setting != NULL && strcmp(daemon_setting, "off") == 0)) {
        run_java(jar, argc, argv);
    }
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) {
        run_java(jar, argc, argv);
    }
    /* JarIdentity's tag: the jar's size and modification time in milliseconds */
    char socket_name[64];
    snprintf(socket_name, sizeof socket_name, "/daemon-%lld-%lld.sock", (long long) jar_status.st_size,
             (long long) jar_status.st_mtim.tv_sec * 1000 + jar_status.st_mtim.tv_nsec / 1000000);
    char *socket_path = joined(work_dir(jar, argc, argv, cwd), socket_name, "");
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= SOCKET_PATH_LIMIT) {
        run_java(jar, argc, argv);
    }
    strcpy(address.sun_path, socket_path);
    int daemon = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (daemon >= 0 && daemon <= STDERR_FILENO) {
        /* stdout or stderr was closed: keep the daemon's frames from landing back on its socket */
        int moved = fcntl(daemon, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        close(daemon);
        daemon = moved;
    }
    if (daemon < 0 || connect(daemon, (struct sockaddr *) &address, sizeof address) != 0) {
        run_java(jar, argc, argv);   /* no daemon, or a stale socket of one that has gone */
    }
    /* The request carries the caller's environment, secrets included: only to a daemon of this user
       (a shared work dir could hold another user's socket under the same name). */
    struct ucred peer;
    socklen_t peer_length = sizeof peer;
    if (getsockopt(daemon, SOL_SOCKET, SO_PEERCRED, &peer, &peer_length) != 0 || peer.uid != geteuid()) {
        close(daemon);
        run_java(jar, argc, argv);
    }

    struct buffer request = {0};
    append_int(&request, FRAMES_VERSION);
    append_string(&request, cwd, strlen(cwd));
    append_int(&request, (uint32_t) (argc - 1));
    for (int i = 1; i < argc; i++) {
        append_string(&request, argv[i], strlen(argv[i]));
    }
    /* as System.getenv() has them: entries with a name, the first of a repeated name (as getenv) */
    struct buffer variables = {0};
    uint32_t count = 0;
    for (char **entry = environ; *entry != NULL; entry++) {
        char *equals = strchr(*entry, '=');
        if (equals == NULL || equals == *entry) {
            continue;
        }
        size_t name_length = (size_t) (equals - *entry);
        int repeated = 0;
        for (char **earlier = environ; earlier != entry && !repeated; earlier++) {
            repeated = strncmp(*earlier, *entry, name_length + 1) == 0;
        }
        if (!repeated) {
            append_string(&variables, *entry, name_length);
            append_string(&variables, equals + 1, strlen(equals + 1));
            count++;
        }
    }
    append_int(&request, count);
    if (variables.length > 0) {
        append(&request, variables.bytes, variables.length);
    }
    signal(SIGPIPE, SIG_IGN);
    if (write_all(daemon, request.bytes, request.length) != 0) {
        lost(-1, socket_path);
    }
    /* Ctrl-C ends this process and closes the socket: the daemon interrupts the build */
    relay(daemon, socket_path);
    return 1;
}
