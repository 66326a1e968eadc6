package pods

import (
	"fmt"
	"slices"
	"strings"

	"github.com/skiffproject/skiff/record"
)

// storeDir holds the pod records, under the graph root next to volumes/.
const storeDir = "pods"

// store keeps pod records: one JSON file per pod, <dir>/<ID>.json, replaced atomically (package
// record). Changes that must see every name (create) or that end a pod (rm) hold the store's lock;
// readers never lock.
type store struct{ recs *record.Store[Pod] }

func newStore(dir string) store { return store{recs: record.New[Pod](dir, record.Options{})} }

// lock takes the store's lock, waiting for it, and clears what killed writers left.
func (s store) lock() (unlock func(), err error) {
	l, err := s.recs.LockAll()
	if err != nil {
		return nil, fmt.Errorf("lock the pod store: %w", err)
	}
	if _, err := s.recs.Repair(); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("repair the pod store: %w", err)
	}
	return l.Unlock, nil
}

// list returns every pod record, oldest first.
func (s store) list() ([]*Pod, error) {
	ids, out, err := s.recs.All()
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	for i, p := range out {
		p.ID = ids[i]
	}
	slices.SortStableFunc(out, func(a, b *Pod) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// save replaces the record of p atomically.
func (s store) save(p *Pod) error {
	if err := s.recs.Put(p.ID, p); err != nil {
		return fmt.Errorf("write record of pod %s: %w", p.Name, err)
	}
	return nil
}

// remove deletes the record of pod id; a missing record is not an error.
func (s store) remove(id string) error {
	if err := s.recs.Delete(id); err != nil {
		return fmt.Errorf("remove record of pod %s: %w", shortID(id), err)
	}
	return nil
}

// find returns the pod nameOrID names among pods: a full ID, a name, or a unique ID prefix, as Podman
// resolves them.
func find(pods []*Pod, nameOrID string) (*Pod, error) {
	if nameOrID == "" {
		return nil, fmt.Errorf("no pod with name or ID \"\" found: %w", ErrNoSuchPod)
	}
	for _, p := range pods {
		if p.ID == nameOrID {
			return p, nil
		}
	}
	for _, p := range pods {
		if p.Name == nameOrID {
			return p, nil
		}
	}
	var match *Pod
	for _, p := range pods {
		if strings.HasPrefix(p.ID, nameOrID) {
			if match != nil {
				return nil, fmt.Errorf("%q: %w: give more characters of the ID", nameOrID, ErrAmbiguous)
			}
			match = p
		}
	}
	if match == nil {
		return nil, fmt.Errorf("no pod with name or ID %s found: %w", nameOrID, ErrNoSuchPod)
	}
	return match, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
