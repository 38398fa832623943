// The same measurements as `Tools/bench membership-real`, made with HashiCorp memberlist
// (Debian's golang-github-hashicorp-memberlist-dev) and its DefaultLANConfig, on loopback,
// for comparison. Run through Tools/memberlist-compare/run.
package main

import (
	"flag"
	"fmt"
	"strings"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// lossyTransport drops a fraction of inbound packets and counts outbound bytes.
type lossyTransport struct {
	*memberlist.NetTransport
	loss     float64
	bytesOut *int64
	sent     *int64
	packets  chan *memberlist.Packet
}

func (t *lossyTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	atomic.AddInt64(t.bytesOut, int64(len(b)))
	atomic.AddInt64(t.sent, 1)
	return t.NetTransport.WriteTo(b, addr)
}

func (t *lossyTransport) WriteToAddress(b []byte, addr memberlist.Address) (time.Time, error) {
	atomic.AddInt64(t.bytesOut, int64(len(b)))
	atomic.AddInt64(t.sent, 1)
	return t.NetTransport.WriteToAddress(b, addr)
}

func (t *lossyTransport) PacketCh() <-chan *memberlist.Packet { return t.packets }

// events records when each observer saw each member die or leave.
type events struct {
	mu       sync.Mutex
	observer string
	gone     map[string]time.Time
}

func (e *events) NotifyJoin(*memberlist.Node)   {}
func (e *events) NotifyUpdate(*memberlist.Node) {}
func (e *events) NotifyLeave(n *memberlist.Node) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gone[n.Name] = time.Now()
}

// suspicionLog notes the first time any node logs that it suspects a member: memberlist has
// no suspect event, and its Members() does not expose the suspect state in this version.
type suspicionLog struct {
	mu    sync.Mutex
	first map[string]time.Time
}

var suspicions = &suspicionLog{first: map[string]time.Time{}}

func (l *suspicionLog) Write(p []byte) (int, error) {
	line := string(p)
	if i := strings.Index(line, "memberlist: Suspect "); i >= 0 {
		name := strings.Fields(line[i+len("memberlist: Suspect "):])[0]
		l.mu.Lock()
		if _, seen := l.first[name]; !seen {
			l.first[name] = time.Now()
		}
		l.mu.Unlock()
	}
	return len(p), nil
}

type node struct {
	list   *memberlist.Memberlist
	events *events
	bytes  int64
	sent   int64
}

var nextPort = 31000

// encrypt turns on memberlist's keyring (AES-GCM on every packet): the closest memberlist
// setting to Peloton's signed datagrams.
var encrypt = flag.Bool("encrypt", false, "encrypt gossip with a shared 32-byte key")

func start(name string, loss float64) *node {
	config := memberlist.DefaultLANConfig()
	config.Name = name
	config.BindAddr = "127.0.0.1"
	config.BindPort = nextPort
	config.AdvertisePort = nextPort
	config.LogOutput = suspicions
	if *encrypt {
		config.SecretKey = []byte("0123456789abcdef0123456789abcdef")
	}
	nextPort++
	n := &node{events: &events{observer: name, gone: map[string]time.Time{}}}
	inner, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{BindAddrs: []string{"127.0.0.1"}, BindPort: config.BindPort})
	if err != nil {
		panic(err)
	}
	transport := &lossyTransport{NetTransport: inner, loss: loss, bytesOut: &n.bytes, sent: &n.sent, packets: make(chan *memberlist.Packet, 1024)}
	go func() {
		for packet := range inner.PacketCh() {
			if loss > 0 && rand.Float64() < loss {
				continue
			}
			transport.packets <- packet
		}
	}()
	config.Transport = transport
	config.Events = n.events
	list, err := memberlist.Create(config)
	if err != nil {
		panic(err)
	}
	n.list = list
	return n
}

func waitUntil(limit time.Duration, condition func() bool) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if condition() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return condition()
}

func seed(nodes []*node) string {
	return fmt.Sprintf("127.0.0.1:%d", nodes[0].list.LocalNode().Port)
}

func startMesh(count int, loss float64) ([]*node, time.Duration) {
	started := time.Now()
	nodes := []*node{start("n0", loss)}
	for i := 1; i < count; i++ {
		nodes = append(nodes, start(fmt.Sprintf("n%d", i), loss))
	}
	var wg sync.WaitGroup
	for _, n := range nodes[1:] {
		wg.Add(1)
		go func(n *node) {
			defer wg.Done()
			for attempt := 0; attempt < 10; attempt++ {
				if _, err := n.list.Join([]string{seed(nodes)}); err == nil {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}(n)
	}
	wg.Wait()
	waitUntil(60*time.Second, func() bool {
		for _, n := range nodes {
			if n.list.NumMembers() != count {
				return false
			}
		}
		return true
	})
	return nodes, time.Since(started)
}

func main() {
	flag.Parse()
	fmt.Printf("memberlist (DefaultLANConfig, encryption %v, loopback, one process, goroutines per node; seconds)\n", *encrypt)
	fmt.Println("    nodes  join  crash→first suspect  crash→dead everywhere  leave→left everywhere  false deaths (30 s, 10% loss)  bytes/node/s (10% loss)  datagrams/node/s")
	for _, count := range []int{8, 16, 32} {
		nodes, join := startMesh(count, 0)
		time.Sleep(3 * time.Second)
		victim := nodes[count-1]
		victimName := fmt.Sprintf("n%d", count-1)
		observers := nodes[:count-2]
		crashed := time.Now()
		victim.list.Shutdown() // no leave message: a crash
		waitUntil(60*time.Second, func() bool {
			all := true
			for _, o := range observers {
				o.events.mu.Lock()
				_, gone := o.events.gone[victimName]
				o.events.mu.Unlock()
				if !gone {
					all = false
				}
			}
			return all
		})
		suspicions.mu.Lock()
		firstSuspect := suspicions.first[victimName].Sub(crashed)
		delete(suspicions.first, victimName)
		suspicions.mu.Unlock()
		var allDead time.Duration
		for _, o := range observers {
			o.events.mu.Lock()
			if at := o.events.gone[victimName].Sub(crashed); at > allDead {
				allDead = at
			}
			o.events.mu.Unlock()
		}
		leaver := nodes[count-2]
		leaverName := fmt.Sprintf("n%d", count-2)
		leaving := time.Now()
		leaver.list.Leave(time.Second)
		leftAt := time.Duration(0)
		if waitUntil(30*time.Second, func() bool {
			for _, o := range observers {
				o.events.mu.Lock()
				gone := o.events.gone[leaverName]
				o.events.mu.Unlock()
				if gone.IsZero() {
					return false
				}
			}
			return true
		}) {
			leftAt = time.Since(leaving)
		}
		leaver.list.Shutdown()
		for _, o := range observers {
			o.list.Shutdown()
		}

		lossy, _ := startMesh(count, 0.1)
		time.Sleep(5 * time.Second) // as in Peloton's bench: measure a settled mesh
		before, sentBefore := int64(0), int64(0)
		for _, n := range lossy {
			before += atomic.LoadInt64(&n.bytes)
			sentBefore += atomic.LoadInt64(&n.sent)
		}
		window := time.Now()
		time.Sleep(30 * time.Second)
		after, sentAfter := int64(0), int64(0)
		falseDeaths := 0
		for _, n := range lossy {
			after += atomic.LoadInt64(&n.bytes)
			sentAfter += atomic.LoadInt64(&n.sent)
			n.events.mu.Lock()
			falseDeaths += len(n.events.gone)
			n.events.mu.Unlock()
		}
		seconds := time.Since(window).Seconds()
		for _, n := range lossy {
			n.list.Shutdown()
		}
		fmt.Printf("    %5d  %4.2f  %19.2f  %21.2f  %21.2f  %29d  %23.0f  %16.2f\n", count, join.Seconds(), firstSuspect.Seconds(), allDead.Seconds(),
			leftAt.Seconds(), falseDeaths, float64(after-before)/float64(count)/seconds, float64(sentAfter-sentBefore)/float64(count)/seconds)
	}
}
