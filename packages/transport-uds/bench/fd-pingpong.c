/*
 * The physical limit: two processes ping-pong a descriptor (or a small message) over an AF_UNIX
 * SOCK_SEQPACKET socketpair with blocking sendmsg/recvmsg, no event loop, no framing.
 * Usage: fd-pingpong <round-trips> <with-fd: 0|1>; prints one JSON line.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void send_one(int sock, int fd) {
  char byte = 'x';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    memset(control, 0, sizeof(control));
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  }
  if (sendmsg(sock, &msg, 0) != 1) { perror("sendmsg"); exit(1); }
}

/* Returns the received descriptor, -1 if none, -2 at EOF. */
static int recv_one(int sock) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n == 0) return -2;
  if (n < 0) { perror("recvmsg"); exit(1); }
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof(int));
  return fd;
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 20000;
  int with_fd = argc > 2 ? atoi(argv[2]) : 1;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) { perror("socketpair"); return 1; }
  int payload = socket(AF_INET, SOCK_STREAM, 0);
  pid_t child = fork();
  if (child == 0) {
    close(sv[0]);
    for (;;) {
      int fd = recv_one(sv[1]);
      if (fd == -2) _exit(0);
      send_one(sv[1], fd);
      if (fd >= 0) close(fd);
    }
  }
  close(sv[1]);
  long warmup = iterations / 10;
  struct timespec t0, t1;
  for (long i = 0; i < warmup + iterations; i++) {
    if (i == warmup) clock_gettime(CLOCK_MONOTONIC, &t0);
    send_one(sv[0], with_fd ? payload : -1);
    int back = recv_one(sv[0]);
    if (back >= 0) close(back);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  close(sv[0]);
  waitpid(child, NULL, 0);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("{\"roundTrips\":%ld,\"seconds\":%.6f,\"perSecond\":%.1f}\n", iterations, seconds, iterations / seconds);
  return 0;
}
