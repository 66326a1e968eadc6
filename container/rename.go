package container

import (
	"context"
	"fmt"
)

// Rename gives container nameOrID a new name. The store keeps names unique: a taken name fails with
// storage.ErrDuplicateName and changes nothing.
func (e *Engine) Rename(ctx context.Context, nameOrID, newName string) error {
	if err := ValidateName(newName); err != nil {
		return err
	}
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.unlock()
	if c.Name() == newName {
		return nil
	}
	if err := e.store.SetNames(c.ID, []string{newName}); err != nil {
		return fmt.Errorf("rename container %s to %s: %w", c.Name(), newName, err)
	}
	if c.Incomplete {
		return nil
	}
	c.Config.Name = newName
	return e.save(c)
}
